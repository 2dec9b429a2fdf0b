using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Metadata.Wire;
using Stateport.Storage;
using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>Hand-built V6 savepoints: one operator whose subtasks each hold operator state in one file.</summary>
internal static class Crafted
{
    public static RelativeFileStateHandle Relative(string path, long size) => new() { RelativePath = MutfString.FromString(path), StateSize = size };

    public static FileStateHandle Absolute(string path, long size) => new() { FilePath = MutfString.FromString(path), StateSize = size };

    /// <summary>A V6 savepoint _metadata whose subtask i's operator state lives in <paramref name="handles"/>[i].</summary>
    public static byte[] Metadata(IReadOnlyList<IStreamStateHandle> handles)
    {
        var metadata = new CheckpointMetadata { Version = MetadataVersion.V6, CheckpointId = 42, Trailer = SyntheticSnapshots.CheckpointPropertiesBlob };
        var op = new OperatorState
        {
            Name = MutfString.FromString("Source: synthetic"),
            Uid = MutfString.FromString("synthetic-source"),
            Id = new OperatorId(0x0102030405060708L, 0x1112131415161718L),
            Parallelism = handles.Count,
            MaxParallelism = Math.Max(128, handles.Count),
        };
        for (var i = 0; i < handles.Count; i++)
        {
            op.Subtasks.Add(new SubtaskEntry
            {
                StoredIndex = i,
                State = new SubtaskState
                {
                    ManagedOperatorFlag = 1,
                    ManagedOperatorState = new OperatorStreamStateHandle(TypeCodes.PartitionableOperatorStateHandle)
                    {
                        States = [new OperatorStateEntry { Name = MutfString.FromString("offsets"), Mode = 0, Offsets = [0] }],
                        Delegate = handles[i],
                    },
                },
            });
        }
        op.StoredSubtaskCount = op.Subtasks.Count;
        metadata.Operators.Add(op);
        return MetadataWriter.ToArray(metadata);
    }

    /// <summary>A savepoint of relative files: name → content, plus its _metadata.</summary>
    public static (byte[] Metadata, SortedDictionary<string, byte[]> Files) Savepoint(int smallFiles, int smallSize, int[] largeSizes, int seed)
    {
        var random = new Random(seed);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < smallFiles; i++)
        {
            var content = new byte[smallSize > 0 ? smallSize : 1 + random.Next(512)];
            random.NextBytes(content);
            files[$"{i:D5}-{Guid.NewGuid():N}"] = content;
        }
        for (var i = 0; i < largeSizes.Length; i++)
        {
            var content = new byte[largeSizes[i]];
            random.NextBytes(content);
            files[$"large-{i}-{Guid.NewGuid():N}"] = content;
        }
        var metadata = Metadata(files.Select(f => (IStreamStateHandle)Relative(f.Key, f.Value.Length)).ToList());
        return (metadata, files);
    }

    /// <summary>Uploads the files (multipart above the store's threshold), then the _metadata, under <paramref name="prefix"/>.</summary>
    public static async Task UploadAsync(TestBucket bucket, string prefix, byte[] metadata, IDictionary<string, byte[]> files)
    {
        await using var store = S3Test.Store(bucket.Endpoint);
        var root = StorageUri.S3(bucket.Name, prefix);
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (file, ct) =>
        {
            using var body = new MemoryStream(file.Value, writable: false);
            await store.WriteAsync(root.Append(file.Key), body, file.Value.Length, ct);
        });
        await bucket.PutAsync($"{prefix}/_metadata", metadata);
    }
}
