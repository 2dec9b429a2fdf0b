using Stateport.Tests.Fuzzing;

namespace Stateport.Metadata.Tests.Fuzzing;

/// <summary>
/// Minimal reproductions of what the fuzzer found (docs/reliability.md, "Codec fuzzing"). Each one fails
/// until the codec is fixed; the stack overflow half of the same finding is in CliFuzzTests (it needs a
/// child process: a stack overflow cannot be caught).
/// </summary>
public sealed class FuzzFindingsTests
{
    private static readonly byte[] JavaSerializationMagic = [0xAC, 0xED, 0x00, 0x05];

    /// <summary>
    /// JavaSerialization.Walker.ClassDescriptor allocates the field array (16 bytes × the u16 field count, up to
    /// 1 MiB) before reading the fields, and a field's class name is read with Object(), which may start another
    /// class descriptor: 17 bytes of input per MiB, up to its 200-level depth limit (~200 MiB live from 3.4 KB).
    /// </summary>
    [Theory]
    [InlineData(3)]
    [InlineData(10)]
    [InlineData(199)]
    public void Nested_class_descriptors_in_the_properties_blob_allocate_within_the_bound(int levels)
    {
        var input = MetadataFuzzer.StandaloneV6([0], [.. JavaSerializationMagic, .. MetadataFuzzer.SerializationFieldClassChain(levels)]);
        var verdict = FuzzOracle.Check(input);
        Assert.True(verdict.Outcome != FuzzOutcome.Failed,
            $"{levels} nested descriptors, {input.Length}-byte input {(input.Length <= 128 ? Convert.ToHexString(input) : "")}: {verdict.Problem}");
    }

    /// <summary>A superclass chain that does not overflow the stack is read; the deep one is in CliFuzzTests.</summary>
    [Fact]
    public void A_superclass_chain_of_1000_descriptors_is_handled()
    {
        var input = MetadataFuzzer.StandaloneV6([0], [.. JavaSerializationMagic, .. MetadataFuzzer.SerializationSuperclassChain(1_000)]);
        var verdict = FuzzOracle.Check(input);
        Assert.True(verdict.Outcome != FuzzOutcome.Failed, verdict.Problem);
    }
}
