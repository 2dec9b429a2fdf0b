namespace Stateport.Relocation.Copying;

/// <summary>Thread-safe counters behind <see cref="CopyProgress"/>; reports after every object and every few MiB streamed.</summary>
internal sealed class CopyProgressTracker
{
    private const long ReportEveryBytes = 8L * 1024 * 1024;

    private readonly IProgress<CopyProgress>? _progress;
    private readonly int _objectsTotal;
    private readonly long _bytesTotal;
    private int _objectsDone;
    private int _objectsSkipped;
    private long _bytesDone;
    private long _bytesAtLastReport;

    public CopyProgressTracker(IProgress<CopyProgress>? progress, int objectsTotal, long bytesTotal)
    {
        _progress = progress;
        _objectsTotal = objectsTotal;
        _bytesTotal = bytesTotal;
    }

    /// <summary>Bytes streamed through this process, counted as they are read so large objects show movement.</summary>
    public void BytesStreamed(long bytes)
    {
        var done = Interlocked.Add(ref _bytesDone, bytes);
        var last = Volatile.Read(ref _bytesAtLastReport);
        if (_progress is not null && done - last >= ReportEveryBytes && Interlocked.CompareExchange(ref _bytesAtLastReport, done, last) == last)
        {
            Report();
        }
    }

    /// <param name="uncountedBytes">Bytes of this object not yet passed to <see cref="BytesStreamed"/> (all of them for skipped and server-side copies).</param>
    public void ObjectDone(long uncountedBytes, bool skipped)
    {
        Interlocked.Add(ref _bytesDone, uncountedBytes);
        // Skipped first, so a reader never sees more skipped objects than done ones.
        if (skipped)
        {
            Interlocked.Increment(ref _objectsSkipped);
        }
        Interlocked.Increment(ref _objectsDone);
        Report();
    }

    private void Report() => _progress?.Report(new CopyProgress(
        Volatile.Read(ref _objectsDone), _objectsTotal, Volatile.Read(ref _bytesDone), _bytesTotal, Volatile.Read(ref _objectsSkipped)));
}
