using Stateport.Relocation.Copying;
using Stateport.Storage;

namespace Stateport.Relocation.Tests.Copying;

/// <summary>Deterministic trees of files for copy tests, and checks that a copy holds the same bytes.</summary>
internal static class CopyTree
{
    public const int MiB = 1024 * 1024;

    /// <summary>Relative path → content: <paramref name="smallFiles"/> files of 0..4 KiB in a few directories, plus the large ones.</summary>
    public static SortedDictionary<string, byte[]> Generate(int smallFiles, int seed, params int[] largeSizes)
    {
        var random = new Random(seed);
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i < smallFiles; i++)
        {
            var content = new byte[random.Next(0, 4096)];
            random.NextBytes(content);
            files[$"shared/dir-{i % 7}/file-{i:D4}"] = content;
        }
        for (var i = 0; i < largeSizes.Length; i++)
        {
            var content = new byte[largeSizes[i]];
            random.NextBytes(content);
            files[$"taskowned/large-{i}"] = content;
        }
        return files;
    }

    public static long TotalBytes(IDictionary<string, byte[]> files) => files.Values.Sum(f => (long)f.Length);

    public static void WriteLocal(string root, IDictionary<string, byte[]> files)
    {
        foreach (var (relative, content) in files)
        {
            var path = Path.Combine(root, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllBytes(path, content);
        }
    }

    public static async Task UploadAsync(IObjectStore store, StorageUri root, IDictionary<string, byte[]> files)
    {
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
        {
            using var body = new MemoryStream(file.Value, writable: false);
            await store.WriteAsync(root.Append(file.Key), body, file.Value.Length, ct);
        });
    }

    /// <summary>Every file is under <paramref name="root"/> with the same bytes, and nothing else is.</summary>
    public static async Task AssertContentsAsync(IObjectStore store, StorageUri root, IDictionary<string, byte[]> files)
    {
        var listed = new List<string>();
        await foreach (var info in store.ListAsync(root.AsDirectory(), CancellationToken.None))
        {
            listed.Add(info.Uri.RelativeTo(root)!);
        }
        Assert.Equal(files.Keys.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
        await Parallel.ForEachAsync(files, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (file, ct) =>
        {
            var body = await store.OpenReadAsync(root.Append(file.Key), 0, -1, ct);
            await using (body)
            {
                using var copy = new MemoryStream();
                await body.CopyToAsync(copy, ct);
                // Not Assert.Equal: a 20 MB diff would drown the output.
                Assert.True(file.Value.AsSpan().SequenceEqual(copy.GetBuffer().AsSpan(0, (int)copy.Length)), $"{file.Key} differs after the copy");
            }
        });
    }

    public static Task<IReadOnlyList<CopyItem>> ItemsAsync(IObjectStore source, StorageUri sourceRoot, StorageUri destinationRoot) =>
        DirectoryLister.ListCopyItemsAsync(source, sourceRoot, destinationRoot, CancellationToken.None);
}

/// <summary>Records every report synchronously (Progress&lt;T&gt; would post to the thread pool and lose ordering).</summary>
internal sealed class RecordingProgress(Action<CopyProgress>? onReport = null) : IProgress<CopyProgress>
{
    private readonly List<CopyProgress> _reports = [];
    private readonly Lock _lock = new();

    public IReadOnlyList<CopyProgress> Reports
    {
        get
        {
            lock (_lock)
            {
                return [.. _reports];
            }
        }
    }

    public CopyProgress Last => Reports.MaxBy(r => (r.ObjectsDone, r.BytesDone));

    public void Report(CopyProgress value)
    {
        lock (_lock)
        {
            _reports.Add(value);
        }
        onReport?.Invoke(value);
    }
}

/// <summary>A fresh temporary directory, removed on dispose.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "stateport-copy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public StorageUri Uri(string relative = "") => StorageUri.Local(System.IO.Path.Combine(Path, relative));

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is under /tmp.
        }
    }
}
