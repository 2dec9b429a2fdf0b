using Stateport.Tests.Shared;

namespace Stateport.Cli.Tests;

/// <summary>
/// The two corpus snapshots the storage tests move around, placed where Flink would have written them:
/// a native RocksDB savepoint (44 relative files) and the absolute-path incremental checkpoint with its
/// <c>shared/</c> files. Corpus files are read at run time and never modified.
/// </summary>
internal static class CorpusSnapshots
{
    public const string SavepointCase = "new-stateful-broadcast-udf-migration-itcase-flink1.20-rocksdb-savepoint-native";
    public const string CheckpointCase = "example-beam-on-flink-1.12-rocksdb-incremental-494ff0-chk-6";
    public const string JobId = "494ff033ac9eadd8d03630bec6e3fb42";

    /// <summary>The paths the corpus checkpoint's _metadata points at (Flink ran with state.checkpoints.dir file:/state/checkpoint).</summary>
    public const string OriginalCheckpointRoot = "file:/state/checkpoint";

    public static string SavepointDirectory => Corpus.FullPath(SavepointCase);
    public static string CheckpointJobDirectory => Corpus.FullPath(CheckpointCase);
    public static string CheckpointDirectory => Path.Combine(CheckpointJobDirectory, "chk-6");

    /// <summary>Uploads the savepoint to s3://bucket/savepoints/savepoint-1/; returns that location.</summary>
    public static async Task<string> UploadSavepointAsync(TestBucket bucket, string key = "savepoints/savepoint-1")
    {
        await bucket.UploadDirectoryAsync(SavepointDirectory, key);
        return bucket.Uri(key);
    }

    /// <summary>
    /// A realistic S3 checkpoint: chk-6/* and shared/* under s3://bucket/checkpoints/&lt;job&gt;/, and a
    /// _metadata rewritten by stateport itself so its shared/ references point there. Returns the chk-6 location.
    /// </summary>
    public static async Task<string> UploadCheckpointAsync(TestBucket bucket)
    {
        var jobKey = $"checkpoints/{JobId}";
        await bucket.UploadDirectoryAsync(CheckpointJobDirectory, jobKey, relative => relative != "chk-6/_metadata");
        await Cli.RunExpectingAsync(0, Cli.Args("rewrite", CheckpointDirectory, bucket.Uri($"{jobKey}/chk-6/"),
            "--map", $"{OriginalCheckpointRoot}={bucket.Uri("checkpoints").TrimEnd('/')}", Cli.S3(bucket.Endpoint)));
        return bucket.Uri($"{jobKey}/chk-6");
    }

    /// <summary>The same checkpoint on local disk under &lt;root&gt;/checkpoint/&lt;job&gt;/; returns the chk-6 directory.</summary>
    public static async Task<string> WriteLocalCheckpointAsync(string root)
    {
        var jobDirectory = Path.Combine(root, "checkpoint", JobId);
        foreach (var file in Directory.EnumerateFiles(CheckpointJobDirectory, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(CheckpointJobDirectory, file);
            if (relative.Replace('\\', '/') == "chk-6/_metadata")
            {
                continue;
            }
            var target = Path.Combine(jobDirectory, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var chk = Path.Combine(jobDirectory, "chk-6");
        await Cli.RunExpectingAsync(0, "rewrite", CheckpointDirectory, Path.Combine(chk, "_metadata"),
            "--map", $"{OriginalCheckpointRoot}=file:{Path.Combine(root, "checkpoint")}");
        return chk;
    }

    /// <summary>A local copy of the corpus savepoint (for tests that delete from the source).</summary>
    public static string CopySavepoint(string target)
    {
        foreach (var file in Directory.EnumerateFiles(SavepointDirectory))
        {
            Directory.CreateDirectory(target);
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        return target;
    }
}
