using System.Diagnostics;
using Stateport.Relocation.Copying;

namespace Stateport.Cli.Rendering;

/// <summary>
/// Copy progress: on a terminal one redrawn line (objects, bytes, rate, ETA); otherwise a plain line at
/// most every 5 seconds, so logs stay readable.
/// </summary>
internal sealed class ProgressLine(TextWriter writer, bool terminal) : IProgress<CopyProgress>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private TimeSpan? _lastDraw;
    private bool _drawn;

    public void Report(CopyProgress value)
    {
        lock (_lock)
        {
            var now = _clock.Elapsed;
            var done = value.ObjectsDone == value.ObjectsTotal;
            var interval = terminal ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(5);
            if (!done && _lastDraw is { } last && now - last < interval)
            {
                return;
            }
            _lastDraw = now;
            var rate = now.TotalSeconds > 0 ? value.BytesDone / now.TotalSeconds : 0;
            var eta = rate > 0 && value.BytesTotal > value.BytesDone ? TimeSpan.FromSeconds((value.BytesTotal - value.BytesDone) / rate) : TimeSpan.Zero;
            var percent = value.BytesTotal > 0 ? 100.0 * value.BytesDone / value.BytesTotal : 100;
            var bar = terminal ? Bar(percent) + " " : "";
            var text = $"{bar}{value.ObjectsDone}/{value.ObjectsTotal} objects, {Units.Bytes(value.BytesDone)}/{Units.Bytes(value.BytesTotal)}, {Units.Bytes((long)rate)}/s, ETA {eta:hh\\:mm\\:ss}{(value.ObjectsSkipped > 0 ? $", {value.ObjectsSkipped} already there" : "")}";
            if (terminal)
            {
                writer.Write("\r" + text.PadRight(Math.Min(Console.BufferWidth > 0 ? Console.BufferWidth - 1 : 100, 160)));
                _drawn = true;
            }
            else
            {
                writer.WriteLine(text);
            }
        }
    }

    public void Finish()
    {
        if (_drawn)
        {
            writer.WriteLine();
        }
    }

    private static string Bar(double percent)
    {
        const int Width = 24;
        var filled = (int)Math.Round(Width * Math.Clamp(percent, 0, 100) / 100);
        return "[" + new string('#', filled) + new string('-', Width - filled) + "]";
    }
}
