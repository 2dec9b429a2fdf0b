namespace Stateport.Metadata;

/// <summary>The int after the magic. Format facts are asked of the extension methods, never by comparing numbers.</summary>
public enum MetadataVersion
{
    V0 = 0,
    V1 = 1,
    V2 = 2,
    V3 = 3,
    V4 = 4,
    V5 = 5,
    V6 = 6,
    /// <summary>Unverified, non-upstream (MetadataV7Serializer in one copy of the source).</summary>
    V7 = 7,
}

/// <summary>What each version's layout has.</summary>
public static class MetadataVersionFacts
{
    public static bool IsSupported(this MetadataVersion v) => v is >= MetadataVersion.V1 and <= MetadataVersion.V7;
    public static bool HasMasterStates(this MetadataVersion v) => v >= MetadataVersion.V2;
    public static bool HasChainLengthAndDuration(this MetadataVersion v) => v <= MetadataVersion.V2;
    public static bool HasCoordinatorState(this MetadataVersion v) => v >= MetadataVersion.V3;
    public static bool HasChannelState(this MetadataVersion v) => v >= MetadataVersion.V3;
    public static bool HasFinishedMarkers(this MetadataVersion v) => v >= MetadataVersion.V3;
    public static bool HasPropertiesBlob(this MetadataVersion v) => v >= MetadataVersion.V4;
    public static bool HasOperatorNameAndUid(this MetadataVersion v) => v >= MetadataVersion.V5;
    public static bool ChannelHandlesHaveTypeByte(this MetadataVersion v) => v >= MetadataVersion.V6;
    public static bool HasRefCheckpointId(this MetadataVersion v) => v >= MetadataVersion.V7;

    /// <summary>The Flink releases that write this version.</summary>
    public static string WrittenBy(this MetadataVersion v) => v switch
    {
        MetadataVersion.V0 => "Flink 1.1",
        MetadataVersion.V1 => "Flink 1.2",
        MetadataVersion.V2 => "Flink 1.3-1.10",
        MetadataVersion.V3 => "Flink 1.11-1.15",
        MetadataVersion.V4 => "Flink 1.16-1.20",
        MetadataVersion.V5 => "Flink 2.0",
        MetadataVersion.V6 => "Flink 2.1+",
        MetadataVersion.V7 => "no released Flink (unverified non-upstream format)",
        _ => "unknown",
    };
}
