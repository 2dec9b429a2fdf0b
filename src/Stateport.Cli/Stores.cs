using System.CommandLine;
using Stateport.Storage;

namespace Stateport.Cli;

/// <summary>Turns location arguments into (URI, store) pairs using the command's storage options.</summary>
internal sealed class Stores(ParseResult parse, StorageOptions options, CliContext context) : IAsyncDisposable
{
    private readonly ObjectStoreFactory _factory = new();
    private readonly HashSet<string> _warnedInsecure = new(StringComparer.Ordinal);
    private readonly Dictionary<(Side, string), S3Settings> _settings = [];

    public (StorageUri Uri, IObjectStore Store) Open(string location, Side side, string what)
    {
        if (!StorageUri.TryParse(location, out var uri, out var error))
        {
            throw new CliException(ExitCodes.InvalidInput, $"{what}: {error}");
        }
        var settings = uri.IsS3 ? SettingsFor(side, uri.Bucket) : null;
        if (settings is { InsecureSkipTlsVerify: true } && _warnedInsecure.Add(settings.Endpoint ?? "AWS"))
        {
            context.Error.WriteLine($"WARNING: TLS certificate verification is OFF for {settings.Endpoint ?? "AWS S3"} (--insecure-skip-tls-verify): anyone on the network path can read and change this data");
        }
        return (uri, _factory.Get(uri, settings));
    }

    /// <summary>
    /// Resolved once per side and bucket: resolving reads and parses --flink-config, and verify opens a store
    /// for every referenced bucket and deep-checked file.
    /// </summary>
    private S3Settings SettingsFor(Side side, string bucket)
    {
        if (!_settings.TryGetValue((side, bucket), out var settings))
        {
            settings = options.Resolve(parse, side, bucket, context);
            foreach (var note in options.Notes)
            {
                context.Error.WriteLine($"warning: {note}");
            }
            options.Notes.Clear();
            _settings[(side, bucket)] = settings;
        }
        return settings;
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
