using System.Text;

namespace Stateport.Metadata;

/// <summary>
/// A string as Flink stored it: Java modified UTF-8 bytes (writeUTF), kept raw so that round trips are
/// byte-identical. Usually a view into the input buffer; decoded only for display or comparison.
/// </summary>
public readonly struct MutfString : IEquatable<MutfString>
{
    /// <summary>Largest encoded length writeUTF accepts.</summary>
    public const int MaxEncodedLength = 65535;

    public MutfString(ReadOnlyMemory<byte> raw)
    {
        if (raw.Length > MaxEncodedLength)
        {
            throw new ArgumentException($"encoded string is {raw.Length} bytes; Flink's writeUTF allows at most {MaxEncodedLength}", nameof(raw));
        }
        Raw = raw;
    }

    /// <summary>The encoded bytes (without the 2-byte length prefix).</summary>
    public ReadOnlyMemory<byte> Raw { get; }

    public int EncodedLength => Raw.Length;

    public bool IsEmpty => Raw.IsEmpty;

    public static readonly MutfString Empty;

    /// <summary>Encode a .NET string as modified UTF-8. Throws <see cref="ArgumentException"/> above 65,535 bytes.</summary>
    public static MutfString FromString(string value) => new(ModifiedUtf8.Encode(value));

    /// <summary>Decoded text. Malformed sequences decode to U+FFFD (display only; raw bytes are what is written).</summary>
    public override string ToString() => ModifiedUtf8.Decode(Raw.Span);

    /// <summary>True when the encoded bytes start with the given ASCII/UTF-8 prefix.</summary>
    public bool StartsWith(ReadOnlySpan<byte> prefix) => Raw.Span.StartsWith(prefix);

    public bool Equals(MutfString other) => Raw.Span.SequenceEqual(other.Raw.Span);

    public override bool Equals(object? obj) => obj is MutfString other && Equals(other);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Raw.Span);
        return hash.ToHashCode();
    }

    public static bool operator ==(MutfString left, MutfString right) => left.Equals(right);

    public static bool operator !=(MutfString left, MutfString right) => !left.Equals(right);
}

/// <summary>Java's modified UTF-8 (DataOutput.writeUTF): UTF-16 code units, NUL as C0 80, surrogates as 3 bytes each.</summary>
public static class ModifiedUtf8
{
    public static byte[] Encode(string value) => Encode(value, allowOverLength: false);

    /// <summary>Encode; with <paramref name="allowOverLength"/> the caller checks the 65,535-byte limit itself.</summary>
    public static byte[] Encode(string value, bool allowOverLength)
    {
        var length = 0;
        foreach (var c in value)
        {
            length += c is >= '\u0001' and <= '\u007F' ? 1 : c <= '\u07FF' ? 2 : 3;
        }
        if (length > MutfString.MaxEncodedLength && !allowOverLength)
        {
            throw new ArgumentException($"'{Truncate(value)}' encodes to {length} bytes; Flink's writeUTF allows at most {MutfString.MaxEncodedLength}", nameof(value));
        }
        var bytes = new byte[length];
        var i = 0;
        foreach (var c in value)
        {
            if (c is >= '\u0001' and <= '\u007F')
            {
                bytes[i++] = (byte)c;
            }
            else if (c <= '\u07FF')
            {
                bytes[i++] = (byte)(0xC0 | (c >> 6));
                bytes[i++] = (byte)(0x80 | (c & 0x3F));
            }
            else
            {
                bytes[i++] = (byte)(0xE0 | (c >> 12));
                bytes[i++] = (byte)(0x80 | ((c >> 6) & 0x3F));
                bytes[i++] = (byte)(0x80 | (c & 0x3F));
            }
        }
        return bytes;
    }

    public static string Decode(ReadOnlySpan<byte> bytes)
    {
        // Fast path: pure ASCII (all paths Flink writes) equals UTF-8.
        if (System.Text.Ascii.IsValid(bytes))
        {
            return Encoding.ASCII.GetString(bytes);
        }
        var chars = new StringBuilder(bytes.Length);
        var i = 0;
        while (i < bytes.Length)
        {
            int b = bytes[i];
            if (b < 0x80)
            {
                chars.Append((char)b);
                i++;
            }
            else if ((b & 0xE0) == 0xC0 && i + 1 < bytes.Length && (bytes[i + 1] & 0xC0) == 0x80)
            {
                chars.Append((char)(((b & 0x1F) << 6) | (bytes[i + 1] & 0x3F)));
                i += 2;
            }
            else if ((b & 0xF0) == 0xE0 && i + 2 < bytes.Length && (bytes[i + 1] & 0xC0) == 0x80 && (bytes[i + 2] & 0xC0) == 0x80)
            {
                chars.Append((char)(((b & 0x0F) << 12) | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F)));
                i += 3;
            }
            else
            {
                chars.Append('\uFFFD');
                i++;
            }
        }
        return chars.ToString();
    }

    private static string Truncate(string value) => value.Length <= 60 ? value : string.Concat(value.AsSpan(0, 57), "...");
}
