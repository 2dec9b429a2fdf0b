using Stateport.Metadata;
using Stateport.Metadata.Model;
using Stateport.Relocation.Snapshots;
using Stateport.Relocation.Tests.Copying;
using Stateport.Relocation.Verification;
using Stateport.Storage;
using Stateport.Storage.Local;

namespace Stateport.Relocation.Tests.Verification;

/// <summary>
/// The relocator hands the verifier the listing its copy engine has just made (<see cref="VerifyOptions.KnownObjects"/>),
/// so the destination is not listed twice; objects it does not know are still looked up.
/// </summary>
public sealed class KnownObjectsTests : IDisposable
{
    private readonly TempDirectory _temp = new();
    private readonly LocalObjectStore _store = new();

    public void Dispose() => _temp.Dispose();

    private async Task<LoadedSnapshot> SnapshotAsync(params (string Name, int Size)[] files)
    {
        var directory = Path.Combine(_temp.Path, "chk-1");
        Directory.CreateDirectory(directory);
        foreach (var (name, size) in files)
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, name), new byte[size]);
        }
        var handles = files.Select(f => (IStreamStateHandle)new RelativeFileStateHandle { RelativePath = MutfString.FromString(f.Name), StateSize = f.Size }).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(directory, "_metadata"), TestSnapshots.OperatorStateMetadata(handles, 1, new OperatorId(1, 2)));
        return await SnapshotLoader.LoadAsync(_store, _temp.Uri("chk-1"), CancellationToken.None);
    }

    [Fact]
    public async Task Known_objects_are_checked_as_given_and_the_rest_are_looked_up()
    {
        var snapshot = await SnapshotAsync(("a", 10), ("b", 20), ("c", 30));
        var a = snapshot.Directory.Append("a");
        var b = snapshot.Directory.Append("b");
        File.Delete(Path.Combine(_temp.Path, "chk-1", "c"));

        // "a" is known with the wrong size (the listing is what counts), "b" with the right one, "c" is unknown
        // and missing on disk.
        var report = await SnapshotVerifier.VerifyAsync(snapshot, _ => _store, new VerifyOptions
        {
            KnownObjects = new Dictionary<StorageUri, ObjectInfo> { [a] = new(a, 11, null), [b] = new(b, 20, null) },
        }, CancellationToken.None);

        Assert.False(report.Restorable);
        Assert.Equal(3, report.FilesChecked);
        Assert.Equal(
            [(FindingKind.SizeMismatch, a.ToString()), (FindingKind.Missing, snapshot.Directory.Append("c").ToString())],
            report.Problems.Select(p => (p.Kind, p.Uri)).OrderBy(p => p.Item2, StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task Without_known_objects_everything_is_looked_up()
    {
        var snapshot = await SnapshotAsync(("a", 10), ("b", 20));

        var report = await SnapshotVerifier.VerifyAsync(snapshot, _ => _store, new VerifyOptions(), CancellationToken.None);

        Assert.True(report.Restorable);
        Assert.Equal(2, report.FilesChecked);
        Assert.Empty(report.Problems);
    }
}
