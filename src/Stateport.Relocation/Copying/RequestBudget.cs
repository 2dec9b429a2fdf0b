namespace Stateport.Relocation.Copying;

/// <summary>
/// One budget of requests in flight shared by whole objects and the parts a store sends for one
/// object (TransferUtility's lesson: 10 objects × 10 parts must not become 100 requests). A
/// multipart object takes several permits at once. Acquirers are served in arrival order, so a
/// large object waiting for permits is not starved by small ones arriving after it.
/// </summary>
internal sealed class RequestBudget : IDisposable
{
    private readonly SemaphoreSlim _permits;
    // Only one acquirer collects permits at a time: two collecting in parallel could each hold
    // half of what they need and wait for each other forever.
    private readonly SemaphoreSlim _turn = new(1, 1);

    public RequestBudget(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        _permits = new SemaphoreSlim(capacity, capacity);
    }

    public int Capacity { get; }

    /// <summary>Waits for <paramref name="requests"/> permits (clamped to 1..<see cref="Capacity"/>); returns how many were taken.</summary>
    /// <exception cref="OperationCanceledException">When <paramref name="cancellationToken"/> is cancelled while waiting; nothing is held then.</exception>
    public async Task<int> AcquireAsync(int requests, CancellationToken cancellationToken)
    {
        requests = Math.Clamp(requests, 1, Capacity);
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        var taken = 0;
        try
        {
            for (; taken < requests; taken++)
            {
                await _permits.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            return requests;
        }
        catch
        {
            if (taken > 0)
            {
                _permits.Release(taken);
            }
            throw;
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Returns permits taken by <see cref="AcquireAsync"/>.</summary>
    public void Release(int requests) => _permits.Release(requests);

    public void Dispose()
    {
        _permits.Dispose();
        _turn.Dispose();
    }
}
