using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Stateport.Storage.Local;

/// <summary>
/// <see cref="IObjectStore"/> over the local filesystem. Keys are absolute paths. Writes go to a
/// hidden temporary file in the destination directory and are renamed into place once flushed, so
/// a reader never sees a partial file.
/// </summary>
public sealed class LocalObjectStore : IObjectStore
{
    /// <summary>Infix of in-flight temporary files; listings skip them.</summary>
    public const string TempMarker = ".stateport-tmp-";

    private const int CopyBufferSize = 1024 * 1024;

    public StoreCapabilities Capabilities { get; } = new(ServerSideCopy: true, MultipartThreshold: long.MaxValue, PartSize: CopyBufferSize);

    public string Identity => "local";

    public string Describe() => "local filesystem";

    public bool Handles(StorageUri uri) => uri.IsLocal;

    public Task<ObjectInfo?> StatAsync(StorageUri uri, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var file = new FileInfo(PathOf(uri));
        return Task.FromResult(file.Exists ? ToObjectInfo(uri, file) : null);
    }

    /// <summary>
    /// Files whose absolute path starts with the prefix (S3 semantics: "/a/chk-1" also matches
    /// "/a/chk-10/x"), recursively, sorted ordinally. A missing directory yields nothing.
    /// </summary>
    public async IAsyncEnumerable<ObjectInfo> ListAsync(StorageUri prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prefixPath = PathOf(prefix);
        var directory = prefixPath.EndsWith('/') ? prefixPath : Path.GetDirectoryName(prefixPath) ?? "/";
        if (!Directory.Exists(directory))
        {
            yield break;
        }
        var options = new EnumerationOptions
        {
            RecurseSubdirectories = true,
            IgnoreInaccessible = false,
            AttributesToSkip = 0,
            MatchType = MatchType.Simple,
        };
        List<FileInfo> files;
        try
        {
            files = new DirectoryInfo(directory).EnumerateFiles("*", options)
                .Where(f => f.FullName.StartsWith(prefixPath, StringComparison.Ordinal) && !f.Name.Contains(TempMarker, StringComparison.Ordinal))
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(prefix, "cannot list", e);
        }
        files.Sort((a, b) => string.CompareOrdinal(a.FullName, b.FullName));
        foreach (var file in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return ToObjectInfo(StorageUri.Local(file.FullName), file);
        }
        await Task.CompletedTask.ConfigureAwait(false);
    }

    /// <exception cref="StorageException">NotFound when the file does not exist.</exception>
    public Task<Stream> OpenReadAsync(StorageUri uri, long offset, long length, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, -1);
        cancellationToken.ThrowIfCancellationRequested();
        FileStream file;
        try
        {
            file = new FileStream(PathOf(uri), new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.Read | FileShare.Delete,
                Options = FileOptions.Asynchronous | FileOptions.SequentialScan,
                BufferSize = 0,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(uri, "cannot open", e);
        }
        if (offset > 0)
        {
            file.Seek(offset, SeekOrigin.Begin);
        }
        Stream result = length < 0 ? file : new BoundedReadStream(file, length);
        return Task.FromResult(result);
    }

    /// <exception cref="StorageException">Integrity when the stream does not yield exactly <paramref name="length"/> bytes.</exception>
    public async Task<ObjectInfo> WriteAsync(StorageUri uri, Stream content, long length, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var path = PathOf(uri);
        var directory = Path.GetDirectoryName(path) ?? throw new ArgumentException($"{uri} has no parent directory", nameof(uri));
        var tempPath = Path.Combine(directory, $".{Path.GetFileName(path)}{TempMarker}{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6))}");
        try
        {
            Directory.CreateDirectory(directory);
            long written;
            var output = new FileStream(tempPath, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Options = FileOptions.Asynchronous,
                BufferSize = 0,
                PreallocationSize = Math.Max(length, 0),
            });
            await using (output.ConfigureAwait(false))
            {
                written = await CopyToAsync(content, output, cancellationToken).ConfigureAwait(false);
                if (length >= 0 && written != length)
                {
                    throw new StorageException(StorageErrorKind.Integrity, uri.ToString(),
                        $"{uri.ToDisplayString()}: source yielded {written} bytes, expected {length}");
                }
                // Durable before the rename makes it visible.
                output.Flush(flushToDisk: true);
            }
            File.Move(tempPath, path, overwrite: true);
            return ToObjectInfo(uri, new FileInfo(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && e is not StorageException)
        {
            TryDelete(tempPath);
            throw Failure(uri, "cannot write", e);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    /// <summary>Copies a file through a temporary file and rename, like <see cref="WriteAsync"/>.</summary>
    /// <exception cref="StorageException">NotFound when the source does not exist.</exception>
    public async Task<ObjectInfo> CopyAsync(ObjectInfo source, StorageUri destination, CancellationToken cancellationToken)
    {
        var input = await OpenReadAsync(source.Uri, 0, -1, cancellationToken).ConfigureAwait(false);
        await using (input.ConfigureAwait(false))
        {
            return await WriteAsync(destination, input, source.Length, cancellationToken).ConfigureAwait(false);
        }
    }

    public Task DeleteAsync(StorageUri uri, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            File.Delete(PathOf(uri));
        }
        catch (DirectoryNotFoundException)
        {
            // Already gone.
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(uri, "cannot delete", e);
        }
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static string PathOf(StorageUri uri) =>
        uri.IsLocal ? uri.LocalPath : throw new ArgumentException($"{uri} is not a local path", nameof(uri));

    private static ObjectInfo ToObjectInfo(StorageUri uri, FileInfo file) =>
        new(uri, file.Length, null, file.LastWriteTimeUtc);

    private static async Task<long> CopyToAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            long total = 0;
            int read;
            while ((read = await input.ReadAsync(buffer.AsMemory(0, CopyBufferSize), cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                total += read;
            }
            return total;
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Best effort: a leftover temporary file is hidden and skipped by listings.
        }
    }

    private static StorageException Failure(StorageUri uri, string action, Exception e)
    {
        var kind = e is FileNotFoundException or DirectoryNotFoundException ? StorageErrorKind.NotFound : StorageErrorKind.Other;
        var reason = kind == StorageErrorKind.NotFound ? "no such file" : e.Message.ReplaceLineEndings(" ");
        return new StorageException(kind, uri.ToString(), $"{action} {uri.ToDisplayString()}: {reason}", null, e);
    }

    /// <inheritdoc />
    public Task<int> CleanupInterruptedWritesAsync(StorageUri prefix, CancellationToken cancellationToken)
    {
        var directory = prefix.AsDirectory().LocalPath;
        if (!Directory.Exists(directory))
        {
            return Task.FromResult(0);
        }
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "*" + TempMarker + "*", SearchOption.AllDirectories))
        {
            cancellationToken.ThrowIfCancellationRequested();
            File.Delete(file);
            removed++;
        }
        return Task.FromResult(removed);
    }
}
