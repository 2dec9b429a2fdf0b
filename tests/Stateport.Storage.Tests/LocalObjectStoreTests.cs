using System.Text;
using Stateport.Storage.Local;

namespace Stateport.Storage.Tests;

public sealed class LocalObjectStoreTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("stateport-local-").FullName;
    private readonly LocalObjectStore _store = new();
    private static CancellationToken Ct => CancellationToken.None;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private StorageUri At(string relative) => StorageUri.Local(Path.Combine(_root, relative));

    private async Task<ObjectInfo> WriteTextAsync(string relative, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        return await _store.WriteAsync(At(relative), new MemoryStream(bytes), bytes.Length, Ct);
    }

    private async Task<string> ReadTextAsync(StorageUri uri, long offset = 0, long length = -1)
    {
        await using var stream = await _store.OpenReadAsync(uri, offset, length, Ct);
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync(Ct);
    }

    [Fact]
    public void Describes_itself_as_local_with_server_side_copy()
    {
        Assert.Equal("local", _store.Identity);
        Assert.True(_store.Capabilities.ServerSideCopy);
        Assert.True(_store.Handles(At("x")));
        Assert.False(_store.Handles(StorageUri.Parse("s3://bucket/x")));
    }

    [Fact]
    public async Task Write_creates_parent_directories_and_stat_reports_the_length()
    {
        var written = await WriteTextAsync("a/b/c/file.bin", "hello");

        Assert.Equal(5, written.Length);
        var stat = await _store.StatAsync(At("a/b/c/file.bin"), Ct);
        Assert.NotNull(stat);
        Assert.Equal(5, stat.Length);
        Assert.NotNull(stat.LastModified);
        Assert.Equal("hello", await ReadTextAsync(At("a/b/c/file.bin")));
    }

    [Fact]
    public async Task Write_replaces_an_existing_file_and_leaves_no_temporary_file()
    {
        await WriteTextAsync("f", "first version");
        await WriteTextAsync("f", "second");

        Assert.Equal("second", await ReadTextAsync(At("f")));
        Assert.Equal([Path.Combine(_root, "f")], Directory.GetFiles(_root));
    }

    [Fact]
    public async Task Write_of_a_stream_shorter_than_declared_fails_and_leaves_nothing()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => _store.WriteAsync(At("d/short"), new MemoryStream(new byte[10]), 11, Ct));

        Assert.Equal(StorageErrorKind.Integrity, e.Kind);
        Assert.Contains("10", e.Message);
        Assert.Empty(Directory.GetFiles(Path.Combine(_root, "d")));
    }

    [Fact]
    public async Task Write_with_unknown_length_writes_everything()
    {
        var info = await _store.WriteAsync(At("unknown"), new MemoryStream(new byte[3 * 1024 * 1024 + 7]), -1, Ct);

        Assert.Equal(3 * 1024 * 1024 + 7, info.Length);
    }

    [Fact]
    public async Task Stat_of_a_missing_file_is_null()
    {
        Assert.Null(await _store.StatAsync(At("missing"), Ct));
        Assert.Null(await _store.StatAsync(At("no/such/dir/file"), Ct));
    }

    [Fact]
    public async Task Ranged_reads_return_exactly_the_range()
    {
        await WriteTextAsync("r", "0123456789");

        Assert.Equal("234", await ReadTextAsync(At("r"), 2, 3));
        Assert.Equal("789", await ReadTextAsync(At("r"), 7, -1));
        Assert.Equal("0123456789", await ReadTextAsync(At("r")));
        Assert.Equal("", await ReadTextAsync(At("r"), 4, 0));
        Assert.Equal("89", await ReadTextAsync(At("r"), 8, 100));
    }

    [Fact]
    public async Task Reading_a_missing_file_is_NotFound()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => _store.OpenReadAsync(At("nope"), 0, -1, Ct));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.Equal(At("nope").ToString(), e.Uri);
        Assert.Contains("nope", e.Message);
    }

    [Fact]
    public async Task List_of_a_directory_is_recursive_sorted_ordinally_and_skips_temporary_files()
    {
        await WriteTextAsync("chk/b", "1");
        await WriteTextAsync("chk/a/z", "22");
        await WriteTextAsync("chk/B", "333");
        await WriteTextAsync("chk/a/y/x", "4444");
        await WriteTextAsync("other/file", "5");
        await File.WriteAllTextAsync(Path.Combine(_root, "chk", ".b" + LocalObjectStore.TempMarker + "abc"), "partial", Ct);

        var listed = await _store.ListAsync(At("chk/"), Ct).ToListAsync(Ct);

        Assert.Equal(["chk/B", "chk/a/y/x", "chk/a/z", "chk/b"], listed.Select(o => Path.GetRelativePath(_root, o.Uri.LocalPath)));
        Assert.Equal([3L, 4, 2, 1], listed.Select(o => o.Length));
    }

    [Fact]
    public async Task List_with_a_partial_name_matches_like_an_S3_prefix()
    {
        await WriteTextAsync("chk-1/_metadata", "m");
        await WriteTextAsync("chk-10/_metadata", "m");
        await WriteTextAsync("chk-2/_metadata", "m");

        var listed = await _store.ListAsync(At("chk-1"), Ct).ToListAsync(Ct);

        Assert.Equal(["chk-1/_metadata", "chk-10/_metadata"], listed.Select(o => Path.GetRelativePath(_root, o.Uri.LocalPath)));
    }

    [Fact]
    public async Task List_of_a_missing_directory_is_empty()
    {
        Assert.Empty(await _store.ListAsync(At("absent/"), Ct).ToListAsync(Ct));
    }

    [Fact]
    public async Task Copy_duplicates_the_content()
    {
        var source = await WriteTextAsync("src/data", "payload");

        var copy = await _store.CopyAsync(source, At("dst/deep/data"), Ct);

        Assert.Equal(7, copy.Length);
        Assert.Equal("payload", await ReadTextAsync(At("dst/deep/data")));
    }

    [Fact]
    public async Task Copy_of_a_missing_source_is_NotFound()
    {
        var e = await Assert.ThrowsAsync<StorageException>(() => _store.CopyAsync(new ObjectInfo(At("gone"), 3, null), At("dst"), Ct));

        Assert.Equal(StorageErrorKind.NotFound, e.Kind);
        Assert.False(File.Exists(Path.Combine(_root, "dst")));
    }

    [Fact]
    public async Task Delete_removes_the_file_and_tolerates_missing_files()
    {
        await WriteTextAsync("del", "x");

        await _store.DeleteAsync(At("del"), Ct);
        await _store.DeleteAsync(At("del"), Ct);
        await _store.DeleteAsync(At("no/such/dir/del"), Ct);

        Assert.Null(await _store.StatAsync(At("del"), Ct));
    }
}
