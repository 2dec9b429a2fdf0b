using System.Buffers.Binary;
using Stateport.Metadata.Model;
using Stateport.Tests.Shared;

namespace Stateport.Metadata.Tests;

/// <summary>Truncated, bit-flipped, hostile and foreign input: always <see cref="MetadataFormatException"/>, never anything else.</summary>
public sealed class CorruptionTests
{
    /// <summary>The smallest corpus file of each version 1-6, found by enumerating the corpus.</summary>
    public static TheoryData<string> SmallestPerVersion()
    {
        var data = new TheoryData<string>();
        foreach (var group in Corpus.MetadataFilePaths
            .Select(p => (Path: p, Bytes: Corpus.Read(p)))
            .Where(f => Corpus.VersionOf(f.Bytes) is >= 1 and <= 6)
            .GroupBy(f => Corpus.VersionOf(f.Bytes))
            .OrderBy(g => g.Key))
        {
            data.Add(group.OrderBy(f => f.Bytes.Length).ThenBy(f => f.Path, StringComparer.Ordinal).First().Path);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(SmallestPerVersion))]
    public void Every_truncation_in_the_operator_section_is_reported(string file)
    {
        var bytes = Corpus.Read(file);
        var model = MetadataReader.Read(bytes);
        // V4+: the properties blob is "everything up to EOF" (spec §3.5); see the next test for cuts inside it.
        var end = bytes.Length - (model.Version.HasPropertiesBlob() ? model.Trailer.Length : 0);
        for (var length = 0; length < end; length++)
        {
            var e = ReadFails(bytes.AsMemory(0, length), $"{file} cut at {length}");
            Assert.Contains("byte offset", e.Message);
            Assert.InRange(e.Offset, 0, length);
        }
    }

    /// <summary>
    /// A V4+ file cut inside its properties blob (a partial copy) is accepted today and written back cut:
    /// the reader treats the blob as opaque bytes up to EOF. Flink's ObjectInputStream would fail on it.
    /// Expected to fail until the reader checks that the Java serialization stream is complete.
    /// </summary>
    [Theory]
    [MemberData(nameof(SmallestPerVersion))]
    public void Every_truncation_inside_the_properties_blob_is_reported(string file)
    {
        var bytes = Corpus.Read(file);
        var model = MetadataReader.Read(bytes);
        if (!model.Version.HasPropertiesBlob())
        {
            return;
        }
        var accepted = new List<int>();
        for (var length = bytes.Length - model.Trailer.Length; length < bytes.Length; length++)
        {
            try
            {
                MetadataReader.Read(bytes.AsMemory(0, length));
                accepted.Add(length);
            }
            catch (MetadataFormatException)
            {
            }
        }
        Assert.True(accepted.Count == 0,
            $"{file} ({bytes.Length} bytes, properties blob of {model.Trailer.Length} bytes at offset {bytes.Length - model.Trailer.Length}): " +
            $"{accepted.Count} truncated lengths were read without error, e.g. {string.Join(", ", accepted.Take(3))}");
    }

    /// <summary>Byte-flip trials per file; STATEPORT_FUZZ_TRIALS raises it for a longer local run.</summary>
    private static readonly int FlipTrials = int.TryParse(Environment.GetEnvironmentVariable("STATEPORT_FUZZ_TRIALS"), out var n) && n > 0 ? n : 2000;

    public static IEnumerable<object[]> SyntheticCases => SyntheticSnapshots.Cases();

    [Theory]
    [MemberData(nameof(SmallestPerVersion))]
    public void Random_byte_flips_either_round_trip_or_are_reported(string file) => Flips(Corpus.Read(file), file);

    /// <summary>The hand-built files hold the handle kinds the corpus lacks (8/9/10/13/14/15/16/17, channels).</summary>
    [Theory]
    [MemberData(nameof(SyntheticCases))]
    public void Random_byte_flips_in_synthetic_files_either_round_trip_or_are_reported(SyntheticCase c) => Flips(SyntheticSnapshots.Bytes(c), c.ToString());

    [Theory]
    [MemberData(nameof(SyntheticCases))]
    public void Absurd_counts_in_synthetic_files_are_rejected_without_large_allocations(SyntheticCase c) => AbsurdCounts(SyntheticSnapshots.Bytes(c), c.ToString());

    [Theory]
    [MemberData(nameof(SyntheticCases))]
    public void Every_truncation_of_a_synthetic_file_is_reported(SyntheticCase c)
    {
        var bytes = SyntheticSnapshots.Bytes(c);
        var model = MetadataReader.Read(bytes);
        var end = bytes.Length - (model.Version.HasPropertiesBlob() ? model.Trailer.Length : 0);
        for (var length = 0; length < end; length++)
        {
            Assert.Contains("byte offset", ReadFails(bytes.AsMemory(0, length), $"{c} cut at {length}").Message);
        }
    }

    private static void Flips(byte[] original, string file)
    {
        var random = new Random(20240611 ^ original.Length);
        var buffer = new byte[original.Length];
        int parsed = 0, rejected = 0;
        for (var trial = 0; trial < FlipTrials; trial++)
        {
            original.CopyTo(buffer, 0);
            var flips = 1 + random.Next(3);
            for (var f = 0; f < flips; f++)
            {
                buffer[8 + random.Next(buffer.Length - 8)] ^= (byte)(1 + random.Next(255));
            }
            if (TryRead(buffer, $"{file} trial {trial}", out var model))
            {
                parsed++;
                Bytes.AssertIdentical(buffer, MetadataWriter.ToArray(model!), $"{file} trial {trial}");
            }
            else
            {
                rejected++;
            }
        }
        Assert.Equal(FlipTrials, parsed + rejected);
        Assert.True(rejected > 0);
    }

    [Theory]
    [MemberData(nameof(SmallestPerVersion))]
    public void Absurd_counts_and_lengths_are_rejected_without_large_allocations(string file) => AbsurdCounts(Corpus.Read(file), file);

    private static void AbsurdCounts(byte[] original, string file)
    {
        var limit = 64L * original.Length + (1 << 20);
        var buffer = new byte[original.Length];
        foreach (var value in new[] { 0x7FFFFFFF, unchecked((int)0x80000000), 0x00FFFFFF })
        {
            for (var offset = 8; offset + 4 <= original.Length; offset += 4)
            {
                original.CopyTo(buffer, 0);
                BinaryPrimitives.WriteInt32BigEndian(buffer.AsSpan(offset), value);
                // Warm up once so JIT and first-chance exception machinery do not count.
                _ = TryRead(buffer, "warm-up", out _);
                var before = GC.GetAllocatedBytesForCurrentThread();
                var ok = TryRead(buffer, $"{file} 0x{value:X8} at {offset}", out var model);
                var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                Assert.True(allocated < limit, $"{file}: 0x{value:X8} at offset {offset} allocated {allocated:N0} bytes reading {original.Length} bytes");
                if (ok)
                {
                    Bytes.AssertIdentical(buffer, MetadataWriter.ToArray(model!), $"{file} 0x{value:X8} at {offset}");
                }
            }
        }
    }

    [Fact]
    public void Nesting_bomb_of_key_group_handles_is_refused()
    {
        var bytes = HostileBytes.V6OneSubtask().I32(1).I32(0).I32(0).I32(0); // 1 subtask, index 0, no operator state
        const int depth = 100_000;
        bytes.U8(3); // managed keyed: KeyGroupsStateHandle, then its delegate, nested as stream handle 3 ...
        for (var i = 0; i < depth; i++)
        {
            bytes.I32(0).I32(0).U8(3);
        }
        bytes.I32(0).I32(0).U8(0).U8(0).I32(0).I32(0);
        var e = ReadFails(bytes.ToArray(), "nesting bomb");
        Assert.Contains("nested", e.Message);
    }

    [Fact]
    public void Nesting_bomb_of_changelog_handles_is_refused()
    {
        var bytes = HostileBytes.V6OneSubtask().I32(1).I32(0).I32(0).I32(0);
        for (var i = 0; i < 100_000; i++)
        {
            bytes.U8(14).I32(0).I32(128).I64(0).I32(1); // CHANGELOG_HANDLE_V2: KGR, checkpointed size, 1 materialized:
        }
        var e = ReadFails(bytes.U8(0).ToArray(), "changelog bomb");
        Assert.Contains("nested", e.Message);
    }

    [Fact]
    public void Nesting_within_the_limit_is_read()
    {
        var model = SyntheticSnapshots.Create(SyntheticCase.V6AbsolutePathsEverywhere);
        IStreamStateHandle inner = new FileStateHandle { FilePath = MutfString.FromString("s3://b/deep"), StateSize = 1 };
        for (var i = 0; i < 40; i++)
        {
            inner = new KeyGroupsStateHandle(3) { Delegate = inner };
        }
        model.Operators[0].Subtasks[0].State!.ManagedKeyedState = new KeyGroupsStateHandle(3) { Delegate = inner };
        var bytes = MetadataWriter.ToArray(model);
        Bytes.AssertIdentical(bytes, MetadataWriter.ToArray(MetadataReader.Read(bytes)), "40 levels");
    }

    [Theory]
    [InlineData(8, "unknown format version 8")]
    [InlineData(-1, "unknown format version -1")]
    [InlineData(0, "version 0")]
    public void Unknown_versions_are_named(int version, string expected)
    {
        var e = ReadFails(HostileBytes.Header(version).I64(1).I32(0).I32(0).ToArray(), $"version {version}");
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03 }, "gzip")]
    [InlineData(new byte[] { (byte)'{', (byte)'"', (byte)'a', (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)'\n' }, "JSON")]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 20, 0, 0, 0 }, "zip")]
    [InlineData(new byte[] { 0xAC, 0xED, 0x00, 0x05, 0x73, 0x72, 0x00, 0x10 }, "Java serialization")]
    [InlineData(new byte[0], "empty")]
    [InlineData(new byte[] { 0x49, 0x60, 0x67 }, "truncated")]
    [InlineData(new byte[] { 0x49, 0x60, 0x67, 0x2D, 0, 0 }, "header is incomplete")]
    [InlineData(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, "expected 0x4960672D")]
    public void Foreign_files_are_diagnosed(byte[] bytes, string expected)
    {
        var e = ReadFails(bytes, expected);
        Assert.Contains(expected, e.Message);
        Assert.False(MetadataReader.HasMagic(bytes) && bytes.Length >= 8);
    }

    [Fact]
    public void A_corpus_rocksdb_sst_or_state_file_is_not_metadata()
    {
        var sibling = Directory.EnumerateFiles(Path.Combine(Corpus.Root, "example-beam-on-flink-1.12-rocksdb-incremental-494ff0-chk-6", "shared")).First();
        var e = ReadFails(File.ReadAllBytes(sibling), sibling);
        Assert.Contains("magic", e.Message);
    }

    [Theory]
    [InlineData(44, "stream")]
    [InlineData(45, "keyed")]
    [InlineData(46, "operator")]
    public void Prototype_file_merging_codes_are_called_non_upstream(byte code, string context)
    {
        var bytes = context switch
        {
            "stream" => HostileBytes.V6OneSubtask(coordinatorCode: code),
            "keyed" => HostileBytes.V6OneSubtask().I32(1).I32(0).I32(0).I32(0).U8(code),
            _ => HostileBytes.V6OneSubtask().I32(1).I32(0).I32(1).U8(code),
        };
        var e = ReadFails(bytes.I32(0).I32(0).I32(0).ToArray(), $"code {code}");
        Assert.Contains("non-upstream", e.Message);
        Assert.Contains($"code {code}", e.Message);
    }

    [Fact]
    public void Unknown_handle_codes_name_the_code_and_the_place()
    {
        var e = ReadFails(HostileBytes.V6OneSubtask().I32(1).I32(0).I32(0).I32(0).U8(99).ToArray(), "code 99");
        Assert.Contains("unknown keyed state handle type code 99", e.Message);
        Assert.Contains("operator #0, subtask 0, managed keyed state", e.Message);
    }

    private static MetadataFormatException ReadFails(ReadOnlyMemory<byte> bytes, string what)
    {
        try
        {
            MetadataReader.Read(bytes);
        }
        catch (MetadataFormatException e)
        {
            return e;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: expected MetadataFormatException, got {e.GetType().Name}: {e.Message}");
        }
        Assert.Fail($"{what}: read without error");
        return null!;
    }

    private static bool TryRead(byte[] bytes, string what, out CheckpointMetadata? model)
    {
        try
        {
            model = MetadataReader.Read(bytes);
            return true;
        }
        catch (MetadataFormatException)
        {
            model = null;
            return false;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: expected MetadataFormatException, got {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            model = null;
            return false;
        }
    }
}
