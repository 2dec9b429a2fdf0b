using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Stateport.Metadata.Wire;

/// <summary>
/// Big-endian reader of Java DataInput primitives over a buffer. Every read checks the remaining
/// length first, then reads, then advances (so a failure leaves the position at the bad field).
/// Strings and blobs are returned as slices of the input: no copy.
/// </summary>
internal ref struct JavaDataReader
{
    private readonly ReadOnlyMemory<byte> _memory;
    private readonly ReadOnlySpan<byte> _span;
    private int _position;

    public JavaDataReader(ReadOnlyMemory<byte> memory)
    {
        _memory = memory;
        _span = memory.Span;
        _position = 0;
        OperatorIndex = -1;
        SubtaskIndex = -1;
        Field = null;
        Depth = 0;
        MaxDepth = 64;
    }

    public readonly int Position => _position;

    public readonly int Remaining => _span.Length - _position;

    public readonly int Length => _span.Length;

    // Where we are in the structure, for error messages; formatted only when something is thrown.
    public int OperatorIndex;
    public int SubtaskIndex;
    public string? Field;

    // Parse state carried along (protobuf's ParseContext style).
    public int Depth;
    public int MaxDepth;
    public MetadataVersion Version;
    public Model.ChannelLayout ChannelLayout;
    public Model.ChangelogLayout ChangelogLayout;

    public readonly string? Context
    {
        get
        {
            if (OperatorIndex < 0)
            {
                return Field;
            }
            var where = SubtaskIndex < 0 ? $"operator #{OperatorIndex}" : $"operator #{OperatorIndex}, subtask {SubtaskIndex}";
            return Field is null ? where : $"{where}, {Field}";
        }
    }

    public void Seek(int position) => _position = position;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void Ensure(int count)
    {
        if ((uint)count > (uint)(_span.Length - _position))
        {
            throw MetadataFormatException.Truncated(_position, count, _span.Length - _position, Context);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte ReadByte()
    {
        Ensure(1);
        return _span[_position++];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int ReadInt32()
    {
        Ensure(4);
        var value = BinaryPrimitives.ReadInt32BigEndian(_span[_position..]);
        _position += 4;
        return value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public long ReadInt64()
    {
        Ensure(8);
        var value = BinaryPrimitives.ReadInt64BigEndian(_span[_position..]);
        _position += 8;
        return value;
    }

    /// <summary>writeUTF: u16 byte count, then that many bytes (kept raw).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public MutfString ReadUtf()
    {
        Ensure(2);
        int length = BinaryPrimitives.ReadUInt16BigEndian(_span[_position..]);
        if (length > _span.Length - _position - 2)
        {
            throw MetadataFormatException.Truncated(_position + 2, length, _span.Length - _position - 2, Context);
        }
        var raw = _memory.Slice(_position + 2, length);
        _position += 2 + length;
        return new MutfString(raw);
    }

    /// <summary>i32 length, then the bytes. Length is checked against what remains before anything is sliced.</summary>
    public ReadOnlyMemory<byte> ReadBytes32(string what)
    {
        var start = _position;
        var length = ReadInt32();
        if (length < 0)
        {
            throw MetadataFormatException.NegativeCount(start, length, what, Context);
        }
        if (length > Remaining)
        {
            throw MetadataFormatException.CountTooLarge(start, length, what, Remaining, Context);
        }
        var bytes = _memory.Slice(_position, length);
        _position += length;
        return bytes;
    }

    /// <summary>
    /// A non-negative element count whose elements need at least <paramref name="minElementSize"/>
    /// bytes each: rejected before any allocation when the input cannot hold that many.
    /// </summary>
    public int ReadCount(string what, int minElementSize)
    {
        var start = _position;
        var count = ReadInt32();
        CheckCount(start, count, what, minElementSize);
        return count;
    }

    public readonly void CheckCount(int start, int count, string what, int minElementSize)
    {
        if (count < 0)
        {
            throw MetadataFormatException.NegativeCount(start, count, what, Context);
        }
        if ((long)count * minElementSize > Remaining)
        {
            throw MetadataFormatException.CountTooLarge(start, count, what, Remaining, Context);
        }
    }

    public ReadOnlyMemory<byte> ReadRest()
    {
        var rest = _memory[_position..];
        _position = _span.Length;
        return rest;
    }

    public readonly MetadataFormatException Error(string message, int offset) => new(message, offset, Context);
}
