using System.Text;

namespace Stateport.Metadata;

/// <summary>Checkpoint or savepoint.</summary>
public enum SnapshotKind
{
    Unknown,
    Checkpoint,
    Savepoint,
}

/// <summary>Savepoint format type.</summary>
public enum SavepointFormat
{
    Unknown,
    Canonical,
    Native,
}

/// <summary>
/// What the V4+ properties blob (a Java-serialized CheckpointProperties) says, decoded just enough to
/// tell checkpoint vs savepoint and CANONICAL vs NATIVE. The blob itself is kept verbatim elsewhere.
/// </summary>
public sealed record SnapshotProperties(SnapshotKind Kind, SavepointFormat Format, bool IsNull)
{
    private static readonly byte[] JavaSerializationMagic = [0xAC, 0xED, 0x00, 0x05];

    /// <summary>Null when the bytes are not a Java serialization stream.</summary>
    public static SnapshotProperties? TryDecode(ReadOnlySpan<byte> blob)
    {
        if (!blob.StartsWith(JavaSerializationMagic))
        {
            return null;
        }
        if (blob.Length == 5 && blob[4] == 0x70)
        {
            // TC_NULL: written by the State Processor API.
            return new SnapshotProperties(SnapshotKind.Unknown, SavepointFormat.Unknown, IsNull: true);
        }
        // Class names and enum constants are stored as plain ASCII inside the stream.
        var kind = blob.IndexOf("SavepointType"u8) >= 0 ? SnapshotKind.Savepoint
            : blob.IndexOf("CheckpointType"u8) >= 0 ? SnapshotKind.Checkpoint
            : SnapshotKind.Unknown;
        var format = kind != SnapshotKind.Savepoint ? SavepointFormat.Unknown
            : blob.IndexOf("NATIVE"u8) >= 0 ? SavepointFormat.Native
            : blob.IndexOf("CANONICAL"u8) >= 0 ? SavepointFormat.Canonical
            : SavepointFormat.Unknown;
        return new SnapshotProperties(kind, format, IsNull: false);
    }

    public override string ToString()
    {
        if (IsNull)
        {
            return "none (written by the State Processor API)";
        }
        var text = new StringBuilder(Kind.ToString().ToLowerInvariant());
        if (Format != SavepointFormat.Unknown)
        {
            text.Append(" (").Append(Format.ToString().ToLowerInvariant()).Append(')');
        }
        return text.ToString();
    }
}
