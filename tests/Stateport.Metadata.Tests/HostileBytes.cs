using System.Buffers.Binary;
using System.Text;

namespace Stateport.Metadata.Tests;

/// <summary>Builds raw big-endian byte sequences for hostile inputs the model cannot express.</summary>
internal sealed class HostileBytes
{
    private readonly MemoryStream _bytes = new();

    public static HostileBytes Header(int version) => new HostileBytes().I32(0x4960672D).I32(version);

    public HostileBytes U8(byte value)
    {
        _bytes.WriteByte(value);
        return this;
    }

    public HostileBytes I32(int value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(b, value);
        _bytes.Write(b);
        return this;
    }

    public HostileBytes I64(long value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(b, value);
        _bytes.Write(b);
        return this;
    }

    public HostileBytes Utf(string ascii)
    {
        var bytes = Encoding.ASCII.GetBytes(ascii);
        _bytes.WriteByte((byte)(bytes.Length >> 8));
        _bytes.WriteByte((byte)bytes.Length);
        _bytes.Write(bytes);
        return this;
    }

    /// <summary>V6 body up to and including the one subtask's index, for an operator with one subtask.</summary>
    public static HostileBytes V6OneSubtask(byte coordinatorCode = 0) =>
        Header(6).I64(1).I32(0) // checkpoint id, no master states
            .I32(1).Utf("").Utf("").I64(1).I64(2).I32(1).I32(1) // one operator: name, uid, id, parallelism, max
            .U8(coordinatorCode);

    public byte[] ToArray() => _bytes.ToArray();
}
