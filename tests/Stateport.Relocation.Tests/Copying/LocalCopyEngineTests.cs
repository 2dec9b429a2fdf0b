using Stateport.Relocation.Copying;
using Stateport.Storage;
using Stateport.Storage.Local;

namespace Stateport.Relocation.Tests.Copying;

public sealed class LocalCopyEngineTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalObjectStore _store = new();

    public void Dispose() => _temp.Dispose();

    private CopyEngine Engine(int parallelism = 8) => new(_store, _store, new CopyOptions { Parallelism = parallelism });

    [Fact]
    public async Task Copies_a_tree_byte_for_byte_then_a_rerun_skips_everything()
    {
        var files = CopyTree.Generate(300, seed: 1, 20 * CopyTree.MiB);
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), files);
        var items = await CopyTree.ItemsAsync(_store, _temp.Uri("src"), _temp.Uri("dst"));
        Assert.Equal(301, items.Count);

        var progress = new RecordingProgress();
        var report = await Engine().CopyAsync(items, progress, CancellationToken.None);

        Assert.Equal(items, report.Results.Select(r => r.Item));
        Assert.Equal(301, report.Copied);
        Assert.Equal(0, report.Skipped);
        // One store identity ("local") on both ends: the store copies the file itself.
        Assert.All(report.Results, r => Assert.Equal(CopyMethod.ServerSide, r.Method));
        Assert.Equal(CopyTree.TotalBytes(files), report.BytesServerSide);
        Assert.Equal(new CopyProgress(301, 301, CopyTree.TotalBytes(files), CopyTree.TotalBytes(files), 0), progress.Last);
        Assert.Equal(301, progress.Reports.Count);
        await CopyTree.AssertContentsAsync(_store, _temp.Uri("dst"), files);
        // No temporary files left behind (listings hide them, so look directly).
        Assert.Equal(301, Directory.EnumerateFiles(Path.Combine(_temp.Path, "dst"), "*", SearchOption.AllDirectories).Count());

        var rerunProgress = new RecordingProgress();
        var rerun = await Engine().CopyAsync(items, rerunProgress, CancellationToken.None);

        Assert.Equal(301, rerun.Skipped);
        Assert.Equal(0, rerun.Copied);
        Assert.Equal(301, rerunProgress.Last.ObjectsSkipped);
        Assert.Equal(CopyTree.TotalBytes(files), rerunProgress.Last.BytesDone);
    }

    [Fact]
    public async Task A_destination_with_the_wrong_length_is_copied_again()
    {
        var files = CopyTree.Generate(5, seed: 2, 64 * 1024);
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), files);
        var items = await CopyTree.ItemsAsync(_store, _temp.Uri("src"), _temp.Uri("dst"));
        await Engine().CopyAsync(items, null, CancellationToken.None);
        var damaged = Path.Combine(_temp.Path, "dst", "taskowned/large-0");
        File.WriteAllBytes(damaged, new byte[100]);

        var rerun = await Engine().CopyAsync(items, null, CancellationToken.None);

        var recopied = Assert.Single(rerun.Results, r => r.Method != CopyMethod.Skipped);
        Assert.Equal(StorageUri.Local(damaged), recopied.Item.Destination);
        Assert.Equal(5, rerun.Skipped);
        await CopyTree.AssertContentsAsync(_store, _temp.Uri("dst"), files);
    }

    [Fact]
    public async Task A_missing_source_fails_with_NotFound_naming_it_and_nothing_is_copied()
    {
        var files = CopyTree.Generate(20, seed: 3);
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), files);
        var items = (await CopyTree.ItemsAsync(_store, _temp.Uri("src"), _temp.Uri("dst"))).ToList();
        var missing = _temp.Uri("src/shared/not-there");
        items.Insert(10, new CopyItem(missing, _temp.Uri("dst/shared/not-there"), 10));

        var error = await Assert.ThrowsAsync<StorageException>(() => Engine().CopyAsync(items, null, CancellationToken.None));

        Assert.Equal(StorageErrorKind.NotFound, error.Kind);
        Assert.Equal(missing.ToString(), error.Uri);
        Assert.Contains(missing.ToString(), error.Message, StringComparison.Ordinal);
        // Sources are all checked before copying starts.
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "dst")));
    }

    [Fact]
    public async Task A_source_shorter_than_its_expected_length_fails_with_Integrity()
    {
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), new Dictionary<string, byte[]> { ["segment"] = new byte[1000] });
        var item = new CopyItem(_temp.Uri("src/segment"), _temp.Uri("dst/segment"), 1001);

        var error = await Assert.ThrowsAsync<StorageException>(() => Engine().CopyAsync([item], null, CancellationToken.None));

        Assert.Equal(StorageErrorKind.Integrity, error.Kind);
        Assert.Contains(item.Source.ToString(), error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(item.Destination.LocalPath));
    }

    [Fact]
    public async Task A_source_longer_than_its_expected_length_is_copied_whole()
    {
        // Segment files: the metadata only knows start + size of the last state in the file.
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), new Dictionary<string, byte[]> { ["segment"] = new byte[1000] });
        var item = new CopyItem(_temp.Uri("src/segment"), _temp.Uri("dst/segment"), 600);

        var report = await Engine().CopyAsync([item], null, CancellationToken.None);

        Assert.Equal(1000, Assert.Single(report.Results).Destination.Length);
    }

    [Fact]
    public async Task A_failing_copy_stops_the_rest_and_is_rethrown_unwrapped()
    {
        var files = CopyTree.Generate(200, seed: 4);
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), files);
        var items = (await CopyTree.ItemsAsync(_store, _temp.Uri("src"), _temp.Uri("dst"))).ToList();
        // A file where a directory must go: the write fails, the source checks do not.
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "dst"), new Dictionary<string, byte[]> { ["blocker"] = [1] });
        items.Add(new CopyItem(items[0].Source, _temp.Uri("dst/blocker/file"), -1));

        var error = await Assert.ThrowsAsync<StorageException>(() => Engine(parallelism: 2).CopyAsync(items, null, CancellationToken.None));

        Assert.Contains("blocker", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_inventory_taken_beforehand_drives_the_copy_and_the_final_listing_verifies_it()
    {
        var files = CopyTree.Generate(40, seed: 5);
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), files);
        var items = await CopyTree.ItemsAsync(_store, _temp.Uri("src"), _temp.Uri("dst"));
        var engine = Engine();
        var inventory = new CopyInventory(
            await engine.StatSourcesAsync(items, CancellationToken.None),
            await engine.StatDestinationsAsync(items, CancellationToken.None));
        Assert.All(items, item => Assert.NotNull(inventory.Sources[item.Source]));
        Assert.All(items, item => Assert.Null(inventory.Destinations[item.Destination]));

        var report = await engine.CopyAsync(items, inventory, null, CancellationToken.None);

        Assert.Equal(items.Count, report.Copied);
        Assert.All(report.Results, r => Assert.Equal(inventory.Sources[r.Item.Source]!.Length, r.Destination.Length));
        await CopyTree.AssertContentsAsync(_store, _temp.Uri("dst"), files);
    }

    [Fact]
    public async Task A_source_absent_from_the_inventory_is_missing_and_nothing_is_copied()
    {
        var files = CopyTree.Generate(10, seed: 6);
        CopyTree.WriteLocal(Path.Combine(_temp.Path, "src"), files);
        var items = await CopyTree.ItemsAsync(_store, _temp.Uri("src"), _temp.Uri("dst"));
        var engine = Engine();
        var sources = (await engine.StatSourcesAsync(items, CancellationToken.None)).ToDictionary();
        sources.Remove(items[3].Source);

        var error = await Assert.ThrowsAsync<StorageException>(() =>
            engine.CopyAsync(items, new CopyInventory(sources, new Dictionary<StorageUri, ObjectInfo?>()), null, CancellationToken.None));

        Assert.Equal(StorageErrorKind.NotFound, error.Kind);
        Assert.Equal(items[3].Source.ToString(), error.Uri);
        Assert.False(Directory.Exists(Path.Combine(_temp.Path, "dst")));
    }

    [Fact]
    public async Task An_empty_list_is_an_empty_report()
    {
        var report = await Engine().CopyAsync([], null, CancellationToken.None);

        Assert.Empty(report.Results);
    }
}
