namespace Stateport.Metadata;

/// <summary>Limits and choices for reading untrusted <c>_metadata</c>.</summary>
public sealed record MetadataReaderOptions
{
    public static readonly MetadataReaderOptions Default = new();

    /// <summary>Maximum nesting of handles (nested key-group and changelog handles); guards the stack.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Accept the unverified, non-upstream version 7.</summary>
    public bool AllowUnverifiedV7 { get; init; } = true;
}
