namespace Stateport.Metadata;

/// <summary>
/// The one exception the codec throws for bad input: truncated, corrupt, hostile or unsupported
/// <c>_metadata</c>. Says what was being read and at which byte offset.
/// </summary>
public sealed class MetadataFormatException : IOException
{
    internal MetadataFormatException(string message, long offset, string? context, string? hint = null)
        : base(Compose(message, offset, context) + (hint is null ? "" : $": {hint}"))
    {
        Offset = offset;
        Context = context;
        Reason = message;
    }

    /// <summary>Byte offset in the input where the problem was found.</summary>
    public long Offset { get; }

    /// <summary>Where in the structure (e.g. "operator #3, subtask 1, managed keyed state"), if known.</summary>
    public string? Context { get; }

    /// <summary>The problem without offset and context.</summary>
    public string Reason { get; }

    private static string Compose(string message, long offset, string? context) =>
        context is null ? $"{message} at byte offset {offset}" : $"{message} at byte offset {offset} ({context})";

    internal static MetadataFormatException Truncated(long offset, long needed, long remaining, string? context) =>
        new($"truncated: needed {needed} byte(s) but only {remaining} remain; the file may be partially copied", offset, context);

    internal static MetadataFormatException NegativeCount(long offset, long value, string what, string? context) =>
        new($"invalid {what} {value} (negative)", offset, context);

    internal static MetadataFormatException CountTooLarge(long offset, long value, string what, long remaining, string? context) =>
        new($"invalid {what} {value}: larger than the {remaining} byte(s) that remain", offset, context);

    internal static MetadataFormatException UnknownHandleType(long offset, int code, string handleContext, string? context) =>
        code is 44 or 45 or 46
            ? new($"handle type code {code} in {handleContext} context is from a non-upstream Flink prototype of file merging (codes 44-46); upstream Flink uses 15-17 and cannot read this file either", offset, context)
            : new($"unknown {handleContext} handle type code {code}", offset, context);

    internal static MetadataFormatException DepthExceeded(long offset, int maxDepth, string? context) =>
        new($"handles nested deeper than {maxDepth} levels (corrupt or hostile file)", offset, context);
}
