using System.Buffers.Binary;

namespace Stateport.Metadata.Wire;

/// <summary>
/// Walks one top-level object of a Java Object Serialization stream (the V4+ CheckpointProperties blob)
/// far enough to tell whether it is complete. It decodes nothing for use: it only answers "where does the
/// object end", so that a <c>_metadata</c> cut inside its properties is reported instead of being read as
/// fine and written back shorter. Constructs it does not know make it give up (no verdict), never reject.
/// </summary>
internal static class JavaSerialization
{
    private const byte TcNull = 0x70, TcReference = 0x71, TcClassDesc = 0x72, TcObject = 0x73, TcString = 0x74,
        TcArray = 0x75, TcClass = 0x76, TcBlockData = 0x77, TcEndBlockData = 0x78, TcBlockDataLong = 0x7A,
        TcLongString = 0x7C, TcProxyClassDesc = 0x7D, TcEnum = 0x7E;

    private const byte ScWriteMethod = 0x01, ScSerializable = 0x02, ScExternalizable = 0x04, ScBlockData = 0x08;

    /// <summary>The outcome of measuring.</summary>
    public enum Verdict
    {
        /// <summary>One complete object; <c>length</c> says how many bytes it used.</summary>
        Complete,
        /// <summary>The bytes end inside the object.</summary>
        Truncated,
        /// <summary>Not a serialization stream (wrong magic).</summary>
        NotSerialization,
        /// <summary>A construct this walker does not follow; no verdict.</summary>
        Unknown,
    }

    private sealed class Truncation : Exception;

    private sealed class Unsupported : Exception;

    private sealed record ClassDesc(string Name, byte Flags, (char Type, string? ClassName)[] Fields, ClassDesc? Super);

    public static Verdict Measure(ReadOnlySpan<byte> data, out int length)
    {
        length = 0;
        if (data.Length < 4)
        {
            return data.Length == 0 || !((ReadOnlySpan<byte>)[0xAC, 0xED, 0x00, 0x05]).StartsWith(data) ? Verdict.NotSerialization : Verdict.Truncated;
        }
        if (data[0] != 0xAC || data[1] != 0xED || data[2] != 0x00 || data[3] != 0x05)
        {
            return Verdict.NotSerialization;
        }
        var walker = new Walker(data.ToArray()) { Position = 4 };
        try
        {
            walker.Content();
            length = walker.Position;
            return Verdict.Complete;
        }
        catch (Truncation)
        {
            return Verdict.Truncated;
        }
        catch (Unsupported)
        {
            return Verdict.Unknown;
        }
    }

    private sealed class Walker(byte[] data)
    {
        private readonly List<object?> _handles = [];
        private int _depth;

        public int Position { get; set; }

        private void Need(int count)
        {
            if (count < 0 || data.Length - Position < count)
            {
                throw new Truncation();
            }
        }

        private byte U8()
        {
            Need(1);
            return data[Position++];
        }

        private int I32()
        {
            Need(4);
            var v = BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(Position));
            Position += 4;
            return v;
        }

        private void Skip(long count)
        {
            if (count < 0 || count > data.Length - Position)
            {
                throw new Truncation();
            }
            Position += (int)count;
        }

        private string Utf()
        {
            Need(2);
            int n = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(Position));
            Position += 2;
            Need(n);
            var s = ModifiedUtf8.Decode(data.AsSpan(Position, n));
            Position += n;
            return s;
        }

        /// <summary>content: an object or a block of data.</summary>
        public void Content()
        {
            var tag = Peek();
            if (tag is TcBlockData or TcBlockDataLong)
            {
                BlockData();
            }
            else
            {
                Object();
            }
        }

        private byte Peek()
        {
            Need(1);
            return data[Position];
        }

        private void BlockData()
        {
            var tag = U8();
            Skip(tag == TcBlockData ? U8() : I32());
        }

        private object? Object()
        {
            if (++_depth > 200)
            {
                throw new Unsupported();
            }
            try
            {
                var tag = U8();
                switch (tag)
                {
                    case TcNull:
                        return null;
                    case TcReference:
                        {
                            var handle = I32() - 0x7E0000;
                            if (handle < 0 || handle >= _handles.Count)
                            {
                                throw new Unsupported();
                            }
                            return _handles[handle];
                        }
                    case TcClassDesc or TcProxyClassDesc:
                        Position--;
                        return ClassDescriptor();
                    case TcString:
                        {
                            var s = Utf();
                            _handles.Add(s);
                            return s;
                        }
                    case TcLongString:
                        {
                            Need(8);
                            var n = BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(Position));
                            Position += 8;
                            Skip(n);
                            _handles.Add(null);
                            return null;
                        }
                    case TcEnum:
                        {
                            ClassDescriptor();
                            _handles.Add(null);
                            Object();
                            return null;
                        }
                    case TcClass:
                        ClassDescriptor();
                        _handles.Add(null);
                        return null;
                    case TcArray:
                        Array();
                        return null;
                    case TcObject:
                        NewObject();
                        return null;
                    default:
                        throw new Unsupported();
                }
            }
            finally
            {
                _depth--;
            }
        }

        private ClassDesc? ClassDescriptor()
        {
            // Superclass descriptors nest: a hostile chain must not overflow the stack.
            if (++_depth > 200)
            {
                throw new Unsupported();
            }
            try
            {
                return ClassDescriptorCore();
            }
            finally
            {
                _depth--;
            }
        }

        private ClassDesc? ClassDescriptorCore()
        {
            var tag = U8();
            switch (tag)
            {
                case TcNull:
                    return null;
                case TcReference:
                    {
                        var handle = I32() - 0x7E0000;
                        return handle >= 0 && handle < _handles.Count && _handles[handle] is ClassDesc d ? d : throw new Unsupported();
                    }
                case TcClassDesc:
                    {
                        var name = Utf();
                        Skip(8); // serialVersionUID
                        var index = _handles.Count;
                        _handles.Add(null);
                        var flags = U8();
                        Need(2);
                        int count = BinaryPrimitives.ReadUInt16BigEndian(data.AsSpan(Position));
                        Position += 2;
                        // Each field takes at least 3 bytes (type code + name length), and a field's class name may nest
                        // another descriptor: grow the list as fields are read, never by the claimed count.
                        Need(count * 3);
                        var fields = new List<(char, string?)>(Math.Min(count, 16));
                        for (var i = 0; i < count; i++)
                        {
                            var type = (char)U8();
                            Utf();
                            string? className = null;
                            if (type is 'L' or '[')
                            {
                                className = Object() as string;
                            }
                            fields.Add((type, className));
                        }
                        Annotation();
                        var desc = new ClassDesc(name, flags, [.. fields], null);
                        _handles[index] = desc;
                        var super = ClassDescriptor();
                        desc = desc with { Super = super };
                        _handles[index] = desc;
                        return desc;
                    }
                case TcProxyClassDesc:
                    {
                        _handles.Add(null);
                        var n = I32();
                        for (var i = 0; i < n; i++)
                        {
                            Utf();
                        }
                        Annotation();
                        ClassDescriptor();
                        return null;
                    }
                default:
                    throw new Unsupported();
            }
        }

        /// <summary>classAnnotation / objectAnnotation: contents until TC_ENDBLOCKDATA.</summary>
        private void Annotation()
        {
            while (Peek() != TcEndBlockData)
            {
                Content();
            }
            Position++;
        }

        private void NewObject()
        {
            var desc = ClassDescriptor();
            _handles.Add(null);
            if (desc is null)
            {
                throw new Unsupported();
            }
            var chain = new List<ClassDesc>();
            for (var d = desc; d is not null; d = d.Super)
            {
                chain.Add(d);
            }
            chain.Reverse();
            foreach (var d in chain)
            {
                if ((d.Flags & ScExternalizable) != 0)
                {
                    if ((d.Flags & ScBlockData) == 0)
                    {
                        throw new Unsupported();
                    }
                    Annotation();
                    continue;
                }
                if ((d.Flags & ScSerializable) == 0)
                {
                    continue;
                }
                foreach (var (type, _) in d.Fields)
                {
                    Value(type);
                }
                if ((d.Flags & ScWriteMethod) != 0)
                {
                    Annotation();
                }
            }
        }

        private void Value(char type)
        {
            switch (type)
            {
                case 'B' or 'Z':
                    Skip(1);
                    break;
                case 'C' or 'S':
                    Skip(2);
                    break;
                case 'I' or 'F':
                    Skip(4);
                    break;
                case 'J' or 'D':
                    Skip(8);
                    break;
                case 'L' or '[':
                    Object();
                    break;
                default:
                    throw new Unsupported();
            }
        }

        private void Array()
        {
            var desc = ClassDescriptor();
            _handles.Add(null);
            var size = I32();
            if (desc is null || desc.Name.Length < 2 || size < 0)
            {
                throw new Unsupported();
            }
            var component = desc.Name[1];
            if (component is 'L' or '[')
            {
                for (var i = 0; i < size; i++)
                {
                    Object();
                }
                return;
            }
            var width = component switch
            {
                'B' or 'Z' => 1,
                'C' or 'S' => 2,
                'I' or 'F' => 4,
                'J' or 'D' => 8,
                _ => throw new Unsupported(),
            };
            Skip((long)size * width);
        }
    }
}
