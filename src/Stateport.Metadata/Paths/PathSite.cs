using Stateport.Metadata.Model;

namespace Stateport.Metadata.Paths;

/// <summary>Which field of which handle kind holds a path-like string. Kept distinct: they mean different things.</summary>
public enum PathField
{
    /// <summary>FileStateHandle (2) file path: absolute, dereferenced on restore.</summary>
    AbsoluteFile,
    /// <summary>SegmentFileStateHandle (15) physical file path: absolute, read at [startPos, startPos+size).</summary>
    SegmentFile,
    /// <summary>FileMergingOperatorStreamStateHandle (17) task-owned directory: absolute directory.</summary>
    TaskOwnedDirectory,
    /// <summary>FileMergingOperatorStreamStateHandle (17) shared directory: absolute directory.</summary>
    SharedDirectory,
    /// <summary>RelativeFileStateHandle (6): a file in the snapshot's own directory.</summary>
    RelativeFile,
    /// <summary>ByteStreamStateHandle (1) name: an identity key that may look like a path; never dereferenced.</summary>
    InlineName,
}

/// <summary>One path-bearing field, as the walker meets it.</summary>
public readonly struct PathSite
{
    internal PathSite(PathField field, MutfString value, long size, long startPosition, StateHandle handle, int operatorIndex, int subtaskIndex, bool inChangelog)
    {
        Field = field;
        Value = value;
        Size = size;
        StartPosition = startPosition;
        Handle = handle;
        OperatorIndex = operatorIndex;
        SubtaskIndex = subtaskIndex;
        InChangelog = inChangelog;
    }

    public PathField Field { get; }
    public MutfString Value { get; }
    /// <summary>Recorded size (stateSize; inline data length); -1 = unknown.</summary>
    public long Size { get; }
    /// <summary>Segment handles: where the segment starts in the physical file.</summary>
    public long StartPosition { get; }
    public StateHandle Handle { get; }
    public int OperatorIndex { get; }
    public int SubtaskIndex { get; }
    /// <summary>Inside a changelog (DSTL) handle (10/13).</summary>
    public bool InChangelog { get; }

    /// <summary>True for fields Flink resolves as absolute locations (2, 15, 17).</summary>
    public bool IsAbsolute => Field is PathField.AbsoluteFile or PathField.SegmentFile or PathField.TaskOwnedDirectory or PathField.SharedDirectory;

    /// <summary>True for fields that name a file whose bytes a restore reads.</summary>
    public bool IsFile => Field is PathField.AbsoluteFile or PathField.SegmentFile or PathField.RelativeFile;

    /// <summary>The minimum length the referenced file must have (segments: end of the segment); -1 = unknown.</summary>
    public long RequiredLength => Size < 0 ? -1 : Field == PathField.SegmentFile ? StartPosition + Size : Size;
}

/// <summary>
/// Visits path sites. Return true with a replacement to change the field (only for AbsoluteFile,
/// SegmentFile, TaskOwnedDirectory, SharedDirectory, RelativeFile, InlineName: all are settable).
/// A struct visitor is called without allocation.
/// </summary>
public interface IPathVisitor
{
    bool Visit(in PathSite site, out MutfString replacement);
}
