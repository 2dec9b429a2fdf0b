namespace Stateport.Metadata.Tests;

/// <summary>Byte comparisons with a message that says where, instead of a multi-megabyte diff.</summary>
internal static class Bytes
{
    public static void AssertIdentical(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        if (expected.SequenceEqual(actual))
        {
            return;
        }
        var common = Math.Min(expected.Length, actual.Length);
        var at = expected[..common].CommonPrefixLength(actual[..common]);
        Assert.Fail($"{what}: not byte-identical (expected {expected.Length} bytes, got {actual.Length}; first difference at offset {at})");
    }
}
