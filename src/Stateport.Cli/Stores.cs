using System.CommandLine;
using Stateport.Storage;

namespace Stateport.Cli;

/// <summary>Turns location arguments into (URI, store) pairs using the command's storage options.</summary>
internal sealed class Stores(ParseResult parse, StorageOptions options, CliContext context) : IAsyncDisposable
{
    private readonly ObjectStoreFactory _factory = new();
    private readonly HashSet<string> _warnedInsecure = new(StringComparer.Ordinal);

    public (StorageUri Uri, IObjectStore Store) Open(string location, Side side, string what)
    {
        if (!StorageUri.TryParse(location, out var uri, out var error))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{what}: {error}");
        }
        var settings = uri.IsS3 ? options.Resolve(parse, side, uri.Bucket, context) : null;
        foreach (var note in options.Notes)
        {
            context.Error.WriteLine($"warning: {note}");
        }
        options.Notes.Clear();
        if (settings is { InsecureSkipTlsVerify: true } && _warnedInsecure.Add(settings.Endpoint ?? "AWS"))
        {
            context.Error.WriteLine($"WARNING: TLS certificate verification is OFF for {settings.Endpoint ?? "AWS S3"} (--insecure-skip-tls-verify): anyone on the network path can read and change this data");
        }
        return (uri, _factory.Get(uri, settings));
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
