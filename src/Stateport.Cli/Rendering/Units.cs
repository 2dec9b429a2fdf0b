using System.Globalization;

namespace Stateport.Cli.Rendering;

internal static class Units
{
    public static string Bytes(long bytes)
    {
        if (bytes < 0)
        {
            return "unknown";
        }
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return unit == 0 ? $"{bytes} B" : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    public static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}

/// <summary>A plain aligned text table (no colours: output is piped as often as it is read).</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public void Write(TextWriter writer, string indent = "  ")
    {
        var widths = new int[headers.Length];
        foreach (var row in _rows.Prepend(headers))
        {
            for (var i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        foreach (var row in _rows.Prepend(headers))
        {
            var line = string.Join("  ", row.Select((cell, i) => i == row.Length - 1 ? cell : cell.PadRight(widths[i])));
            writer.WriteLine(indent + line.TrimEnd());
        }
    }
}
