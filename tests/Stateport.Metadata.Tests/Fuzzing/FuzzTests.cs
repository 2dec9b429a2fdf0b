using System.Globalization;
using Stateport.Tests.Fuzzing;
using Xunit.Abstractions;

namespace Stateport.Metadata.Tests.Fuzzing;

/// <summary>
/// Mutation fuzzing of the codec over the whole corpus and the synthetic cases (docs/reliability.md,
/// "Codec fuzzing"). Budget: STATEPORT_FUZZ_INPUTS inputs (default 100,000) or STATEPORT_FUZZ_SECONDS of
/// wall time (default 60), whichever ends first; STATEPORT_FUZZ_SEED picks the seed and STATEPORT_FUZZ_START
/// the first index (with STATEPORT_FUZZ_INPUTS=1 that replays one reported input). Longer runs: bench/fuzz.sh.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output)
{
    /// <summary>Fewer inputs than this when the time budget ran out means the run proved too little.</summary>
    public const long MinimumInputs = 10_000;

    [Fact]
    public void Mutated_metadata_is_read_and_written_back_identically_or_refused_with_an_offset()
    {
        var inputs = EnvLong("STATEPORT_FUZZ_INPUTS", 100_000);
        var seconds = EnvLong("STATEPORT_FUZZ_SECONDS", 60);
        var seed = (int)EnvLong("STATEPORT_FUZZ_SEED", MetadataFuzzer.DefaultSeed);
        var start = EnvLong("STATEPORT_FUZZ_START", 0);
        var fuzzer = new MetadataFuzzer(MetadataFuzzer.DefaultSeeds, seed);

        var stats = FuzzRunner.Run(fuzzer, start, inputs, TimeSpan.FromSeconds(seconds));

        output.WriteLine($"seed {seed}, indexes from {start}, budget {inputs:N0} inputs / {seconds} s, {fuzzer.Files.Count} seed files ({fuzzer.Files.Sum(f => (long)f.Bytes.Length):N0} bytes), {Environment.ProcessorCount} cores");
        output.WriteLine(stats.Summary());
        Assert.True(stats.Failed == 0, $"{stats.Failed} failing input(s); reproduce one with STATEPORT_FUZZ_SEED=<seed> STATEPORT_FUZZ_START=<index> STATEPORT_FUZZ_INPUTS=1\n{stats.Summary()}");
        Assert.Equal(stats.Inputs, stats.Parsed + stats.Rejected);
        var required = Math.Min(inputs, MinimumInputs);
        Assert.True(stats.Inputs >= required, $"only {stats.Inputs:N0} inputs ran within {seconds} s (at least {required:N0} required): the machine is too slow or the codec got slower\n{stats.Summary()}");
        if (stats.Inputs >= MinimumInputs)
        {
            // Both outcomes must be exercised, or the mutations are too weak (or too strong) to prove anything.
            Assert.True(stats.Parsed > 0 && stats.Rejected > 0, stats.Summary());
        }
    }

    [Fact]
    public void The_same_seed_and_index_give_the_same_input()
    {
        var a = new MetadataFuzzer(MetadataFuzzer.DefaultSeeds, 7);
        var b = new MetadataFuzzer(MetadataFuzzer.DefaultSeeds, 7);
        foreach (var index in new long[] { 0, 1, 99_999, 1_000_000 })
        {
            var x = a.Generate(index);
            var y = b.Generate(index);
            Assert.Equal(x.Bytes, y.Bytes);
            Assert.Equal(x.Describe(), y.Describe());
        }
        // Generating out of order changes nothing either.
        Assert.Equal(a.Generate(5).Bytes, b.Generate(5).Bytes);
    }

    [Theory]
    [InlineData(40)]
    [InlineData(64)]
    [InlineData(65)]
    [InlineData(100_000)]
    public void Nesting_chains_are_read_up_to_the_depth_limit_and_refused_beyond(int depth)
    {
        // The managed keyed handle itself is one level, its delegate chain the rest.
        var bytes = MetadataFuzzer.StandaloneV6(MetadataFuzzer.KeyGroupChain(depth));
        var verdict = FuzzOracle.Check(bytes);
        Assert.True(verdict.Outcome != FuzzOutcome.Failed, verdict.Problem);
        Assert.Equal(depth <= MetadataReaderOptions.Default.MaxDepth ? FuzzOutcome.Parsed : FuzzOutcome.Rejected, verdict.Outcome);
        if (verdict.Outcome == FuzzOutcome.Rejected)
        {
            Assert.Contains("nested", verdict.RejectReason);
        }

        var changelog = FuzzOracle.Check(MetadataFuzzer.StandaloneV6(MetadataFuzzer.ChangelogChain(depth)));
        Assert.True(changelog.Outcome == FuzzOutcome.Rejected, changelog.Problem ?? "a changelog chain without its tail fields parsed");
    }

    [Fact]
    public void Every_mutator_is_used()
    {
        var fuzzer = new MetadataFuzzer(MetadataFuzzer.DefaultSeeds, MetadataFuzzer.DefaultSeed);
        var used = new HashSet<Mutator>();
        for (var i = 0; i < 2_000 && used.Count < Enum.GetValues<Mutator>().Length; i++)
        {
            used.UnionWith(fuzzer.Generate(i).Mutators);
        }
        Assert.Equal(Enum.GetValues<Mutator>().ToHashSet(), used);
    }

    private static long EnvLong(string name, long fallback) =>
        long.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0 ? value : fallback;
}
