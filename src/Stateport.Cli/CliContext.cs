namespace Stateport.Cli;

/// <summary>Where a command writes, and what it may know of its environment (replaceable in tests).</summary>
public sealed class CliContext
{
    public CliContext(TextWriter output, TextWriter error, bool isTerminal, IReadOnlyDictionary<string, string>? environment = null)
    {
        Out = output;
        Error = error;
        IsTerminal = isTerminal;
        Environment = environment ?? ProcessEnvironment();
    }

    public TextWriter Out { get; }
    public TextWriter Error { get; }

    /// <summary>Progress bars only on a terminal; plain lines otherwise.</summary>
    public bool IsTerminal { get; }

    public IReadOnlyDictionary<string, string> Environment { get; }

    public string? Env(string name) => Environment.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    public static CliContext FromConsole() =>
        new(Console.Out, Console.Error, !Console.IsOutputRedirected && !Console.IsErrorRedirected);

    private static Dictionary<string, string> ProcessEnvironment()
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry entry in System.Environment.GetEnvironmentVariables())
        {
            result[(string)entry.Key] = entry.Value as string ?? "";
        }
        return result;
    }
}
