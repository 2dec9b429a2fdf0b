using System.Diagnostics;

namespace Stateport.Relocation;

/// <summary>
/// Crash injection for the crash-safety tests: with <c>STATEPORT_FAILPOINT=name</c> or <c>name:N</c>, the
/// process kills itself with SIGKILL the N-th time (default 1st) it reaches the named point, exactly as an
/// OOM kill or a lost node would. Without the variable every call is a cheap no-op.
/// Points: after-lock, after-object, before-metadata, after-metadata, before-delete, during-delete.
/// </summary>
public static class FailPoints
{
    private static readonly (string Name, int Count)? Configured = Parse(Environment.GetEnvironmentVariable("STATEPORT_FAILPOINT"));
    private static int _hits;

    private static (string, int)? Parse(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }
        var colon = value.IndexOf(':');
        return colon < 0 ? (value, 1) : (value[..colon], int.TryParse(value[(colon + 1)..], out var n) && n > 0 ? n : 1);
    }

    public static void Hit(string name)
    {
        if (Configured is not { } configured || configured.Name != name)
        {
            return;
        }
        if (Interlocked.Increment(ref _hits) == configured.Count)
        {
            Console.Error.WriteLine($"failpoint {name}:{configured.Count}: killing the process");
            Console.Error.Flush();
            using var self = Process.GetCurrentProcess();
            self.Kill();
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
