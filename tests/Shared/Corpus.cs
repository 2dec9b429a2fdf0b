using System.Buffers.Binary;

namespace Stateport.Tests.Shared;

/// <summary>
/// The real-snapshot corpus (<c>shared/corpus</c> next to the repository). Tests that use it fail, never
/// skip, when it is missing: a silently green run on a machine without the corpus would prove nothing.
/// </summary>
public static class Corpus
{
    /// <summary>Environment variable that overrides where the corpus lives.</summary>
    public const string EnvironmentVariable = "STATEPORT_CORPUS";

    /// <summary>Magic that starts every <c>_metadata</c> file (0x4960672D).</summary>
    public const int Magic = 0x4960672D;

    private static readonly Lazy<string> LazyRoot = new(FindRoot);
    private static readonly Lazy<IReadOnlyList<string>> LazyFiles = new(ScanMetadataFiles);

    /// <summary>Absolute path of the corpus directory; throws with a clear message when it cannot be found.</summary>
    public static string Root => LazyRoot.Value;

    /// <summary>Paths (relative to <see cref="Root"/>, '/'-separated) of every file whose first 4 bytes are the magic, sorted.</summary>
    public static IReadOnlyList<string> MetadataFilePaths => LazyFiles.Value;

    /// <summary>Every metadata file of the corpus, as xunit theory data (relative paths keep test names readable).</summary>
    public static TheoryData<string> MetadataFiles()
    {
        var data = new TheoryData<string>();
        foreach (var path in MetadataFilePaths)
        {
            data.Add(path);
        }
        return data;
    }

    /// <summary>The absolute path of a corpus file given its path relative to <see cref="Root"/>.</summary>
    public static string FullPath(string relativePath) => Path.Combine(Root, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Read one corpus file whole.</summary>
    public static byte[] Read(string relativePath) => File.ReadAllBytes(FullPath(relativePath));

    /// <summary>The version int after the magic.</summary>
    public static int VersionOf(ReadOnlySpan<byte> data) => BinaryPrimitives.ReadInt32BigEndian(data[4..]);

    private static string FindRoot()
    {
        var overridden = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(overridden))
        {
            return Directory.Exists(overridden)
                ? Path.GetFullPath(overridden)
                : throw new InvalidOperationException($"{EnvironmentVariable}={overridden} does not name a directory.");
        }
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (var candidate in new[] { Path.Combine(dir.FullName, "..", "shared", "corpus"), Path.Combine(dir.FullName, "shared", "corpus") })
            {
                if (Directory.Exists(candidate))
                {
                    return Path.GetFullPath(candidate);
                }
            }
        }
        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        throw new InvalidOperationException(
            $"The snapshot corpus (shared/corpus beside the repository) was not found walking up from {AppContext.BaseDirectory}" +
            (ci ? " and CI=true: the corpus is required in CI." : ".") +
            $" Check it out next to the repository or set {EnvironmentVariable} to its path; corpus tests fail rather than skip without it.");
    }

    private static IReadOnlyList<string> ScanMetadataFiles()
    {
        var root = Root;
        var files = new List<string>();
        Span<byte> head = stackalloc byte[4];
        foreach (var file in Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories))
        {
            using var stream = File.OpenRead(file);
            if (stream.ReadAtLeast(head, 4, throwOnEndOfStream: false) == 4 && BinaryPrimitives.ReadInt32BigEndian(head) == Magic)
            {
                files.Add(Path.GetRelativePath(root, file).Replace(Path.DirectorySeparatorChar, '/'));
            }
        }
        if (files.Count == 0)
        {
            throw new InvalidOperationException($"The corpus at {root} holds no file starting with the _metadata magic 0x4960672D.");
        }
        files.Sort(StringComparer.Ordinal);
        return files;
    }
}
