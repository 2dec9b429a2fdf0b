using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Stateport.Metadata.Wire;

/// <summary>
/// Big-endian writer of Java DataOutput primitives into a growable buffer, flushed to a stream in
/// large chunks. One instance per write; not thread-safe.
/// </summary>
internal sealed class JavaDataWriter
{
    private const int FlushThreshold = 1 << 20;
    private readonly Stream? _stream;
    private byte[] _buffer;
    private int _length;
    private long _flushed;
    private int _openBlocks;

    public JavaDataWriter(Stream? stream, int initialCapacity = 1 << 16)
    {
        _stream = stream;
        _buffer = new byte[Math.Max(initialCapacity, 256)];
    }

    public long Position => _flushed + _length;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> Reserve(int count)
    {
        if (_buffer.Length - _length < count)
        {
            Grow(count);
        }
        var span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }

    private void Grow(int count)
    {
        if (_stream is not null && _openBlocks == 0 && _length >= FlushThreshold)
        {
            Flush();
            if (_buffer.Length >= count)
            {
                return;
            }
        }
        var newSize = Math.Max(_buffer.Length * 2, _length + count);
        Array.Resize(ref _buffer, newSize);
    }

    public void Flush()
    {
        if (_stream is not null && _length > 0)
        {
            _stream.Write(_buffer, 0, _length);
            _flushed += _length;
            _length = 0;
        }
    }

    /// <summary>The written bytes (only for writers without a stream).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteByte(byte value) => Reserve(1)[0] = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteInt64(long value) => BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteUtf(MutfString value)
    {
        var raw = value.Raw.Span;
        var span = Reserve(2 + raw.Length);
        BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)raw.Length);
        raw.CopyTo(span[2..]);
    }

    public void WriteRaw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Reserve(bytes.Length));

    public void WriteBytes32(ReadOnlyMemory<byte> bytes)
    {
        WriteInt32(bytes.Length);
        WriteRaw(bytes.Span);
    }

    /// <summary>
    /// Start a block whose i32 byte length precedes it (the master-state block). Nothing is flushed
    /// until <see cref="EndLengthPrefixedBlock"/>, so the length slot stays in the buffer.
    /// </summary>
    public int BeginLengthPrefixedBlock()
    {
        _openBlocks++;
        var slot = _length;
        Reserve(4);
        return slot;
    }

    public void EndLengthPrefixedBlock(int slot)
    {
        PatchInt32(slot, _length - slot - 4);
        _openBlocks--;
    }

    private void PatchInt32(int slot, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(slot, 4), value);
}
