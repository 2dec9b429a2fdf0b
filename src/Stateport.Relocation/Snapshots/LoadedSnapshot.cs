using Stateport.Metadata.Model;
using Stateport.Storage;

namespace Stateport.Relocation.Snapshots;

/// <summary>A snapshot's metadata, read and parsed, with where it lives.</summary>
public sealed class LoadedSnapshot
{
    public required StorageUri MetadataUri { get; init; }

    /// <summary>The exclusive directory: the one that holds the metadata file (with trailing '/').</summary>
    public required StorageUri Directory { get; init; }

    /// <summary>The raw bytes (the model's strings are slices of them).</summary>
    public required ReadOnlyMemory<byte> Bytes { get; init; }

    public required CheckpointMetadata Metadata { get; init; }

    /// <summary>The directory as Flink writes paths (s3://b/p, file:/x), for comparing with paths in the metadata.</summary>
    public string DirectoryFlinkPath => Directory.ToString().TrimEnd('/');
}
