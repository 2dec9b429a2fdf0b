using Stateport.Relocation.Snapshots;

namespace Stateport.Relocation.Verification;

/// <summary>What is wrong with a reference (or the snapshot).</summary>
public enum FindingKind
{
    /// <summary>The referenced object does not exist.</summary>
    Missing,
    /// <summary>The object's length differs from the size the handle records.</summary>
    SizeMismatch,
    /// <summary>The object is shorter than a segment handle needs (startPos + stateSize).</summary>
    TooShort,
    /// <summary>The reference is under a --forbid-prefix (typically the old location after a move).</summary>
    ForbiddenPrefix,
    /// <summary>The reference points outside the snapshot directory.</summary>
    OutsideSnapshot,
    /// <summary>The reference cannot be resolved (unsupported scheme, unsafe relative path).</summary>
    Unresolvable,
    /// <summary>--deep: the file's content fails a sanity check (e.g. SST footer magic).</summary>
    BadContent,
    /// <summary>The object could not be checked (storage error for this one object).</summary>
    Unreadable,
}

/// <summary>One finding: what, where, and in words.</summary>
public sealed record Finding(FindingKind Kind, string Uri, string Message, bool IsProblem);

/// <summary>The outcome of verify. Findings are data (rclone's check): problems fail, warnings inform.</summary>
public sealed class VerifyReport
{
    public required LoadedSnapshot Snapshot { get; init; }
    public required int FilesChecked { get; init; }
    public required long BytesReferenced { get; init; }
    public required int DeepChecked { get; init; }
    public required IReadOnlyList<Finding> Findings { get; init; }

    public IEnumerable<Finding> Problems => Findings.Where(f => f.IsProblem);
    public IEnumerable<Finding> Warnings => Findings.Where(f => !f.IsProblem);
    public bool Restorable => !Problems.Any();
}
