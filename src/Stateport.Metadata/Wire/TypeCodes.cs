namespace Stateport.Metadata.Wire;

/// <summary>Handle type codes, named after Flink's constants in MetadataV2V3SerializerBase.</summary>
public static class TypeCodes
{
    public const byte NullHandle = 0;
    public const byte ByteStreamStateHandle = 1;
    public const byte FileStreamStateHandle = 2;
    public const byte KeyGroupsHandle = 3;
    public const byte PartitionableOperatorStateHandle = 4;
    public const byte IncrementalKeyGroupsHandle = 5;
    public const byte RelativeStreamStateHandle = 6;
    public const byte SavepointKeyGroupsHandle = 7;
    public const byte ChangelogHandle = 8;
    public const byte ChangelogByteIncrementHandle = 9;
    public const byte ChangelogFileIncrementHandle = 10;
    public const byte IncrementalKeyGroupsHandleV2 = 11;
    public const byte KeyGroupsHandleV2 = 12;
    public const byte ChangelogFileIncrementHandleV2 = 13;
    public const byte ChangelogHandleV2 = 14;
    public const byte SegmentFileHandle = 15;
    public const byte EmptySegmentFileHandle = 16;
    public const byte SegmentPartitionableOperatorStateHandle = 17;

    /// <summary>V6+ channel-state handle codes (their own code space).</summary>
    public const byte InputChannelStateHandle = 1;
    public const byte ResultSubpartitionStateHandle = 2;
    public const byte MergedInputChannelStateHandle = 3;
    public const byte MergedResultSubpartitionStateHandle = 4;

    public const int HeaderMagic = 0x4960672D;
    public const int MasterStateMagic = unchecked((int)0xC96B1696);

    /// <summary>Flink's constant name for a handle code, for display.</summary>
    public static string Name(byte code) => code switch
    {
        NullHandle => "NULL_HANDLE",
        ByteStreamStateHandle => "BYTE_STREAM_STATE_HANDLE",
        FileStreamStateHandle => "FILE_STREAM_STATE_HANDLE",
        KeyGroupsHandle => "KEY_GROUPS_HANDLE",
        PartitionableOperatorStateHandle => "PARTITIONABLE_OPERATOR_STATE_HANDLE",
        IncrementalKeyGroupsHandle => "INCREMENTAL_KEY_GROUPS_HANDLE",
        RelativeStreamStateHandle => "RELATIVE_STREAM_STATE_HANDLE",
        SavepointKeyGroupsHandle => "SAVEPOINT_KEY_GROUPS_HANDLE",
        ChangelogHandle => "CHANGELOG_HANDLE",
        ChangelogByteIncrementHandle => "CHANGELOG_BYTE_INCREMENT_HANDLE",
        ChangelogFileIncrementHandle => "CHANGELOG_FILE_INCREMENT_HANDLE",
        IncrementalKeyGroupsHandleV2 => "INCREMENTAL_KEY_GROUPS_HANDLE_V2",
        KeyGroupsHandleV2 => "KEY_GROUPS_HANDLE_V2",
        ChangelogFileIncrementHandleV2 => "CHANGELOG_FILE_INCREMENT_HANDLE_V2",
        ChangelogHandleV2 => "CHANGELOG_HANDLE_V2",
        SegmentFileHandle => "SEGMENT_FILE_HANDLE",
        EmptySegmentFileHandle => "EMPTY_SEGMENT_FILE_HANDLE",
        SegmentPartitionableOperatorStateHandle => "SEGMENT_PARTITIONABLE_OPERATOR_STATE_HANDLE",
        _ => $"UNKNOWN_{code}",
    };
}
