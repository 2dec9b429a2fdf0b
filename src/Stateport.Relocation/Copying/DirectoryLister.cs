using Stateport.Storage;

namespace Stateport.Relocation.Copying;

/// <summary>Turns a directory (local) or prefix (S3) into copy items for a mirror under another root.</summary>
public static class DirectoryLister
{
    /// <summary>
    /// Every object under <paramref name="sourceRoot"/> (recursively), each mapped to the same
    /// relative path under <paramref name="destinationRoot"/>, with the listed size as expected length.
    /// The root is treated as a directory, so "chk-1" does not pick up "chk-10".
    /// </summary>
    /// <exception cref="StorageException">When the source cannot be listed.</exception>
    public static async Task<IReadOnlyList<CopyItem>> ListCopyItemsAsync(IObjectStore source, StorageUri sourceRoot, StorageUri destinationRoot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sourceRoot);
        ArgumentNullException.ThrowIfNull(destinationRoot);
        var directory = sourceRoot.AsDirectory();
        var items = new List<CopyItem>();
        await foreach (var info in source.ListAsync(directory, cancellationToken).ConfigureAwait(false))
        {
            var relative = info.Uri.RelativeTo(directory);
            // Keys ending in '/' are S3 console "folders", not data.
            if (string.IsNullOrEmpty(relative) || relative.EndsWith('/'))
            {
                continue;
            }
            items.Add(new CopyItem(info.Uri, destinationRoot.Append(relative), info.Length));
        }
        return items;
    }
}
