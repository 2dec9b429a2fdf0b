using Stateport.Tests.Shared;
using Xunit.Abstractions;

namespace Stateport.Relocation.Tests.Faults;

/// <summary><c>verify</c> with 10 % of all requests faulted still gives the right verdict.</summary>
public sealed class VerifyUnderFaultsTests(FaultFixture fixture, ITestOutputHelper output) : IClassFixture<FaultFixture>
{
    [Fact]
    public async Task Verify_with_10_percent_faults_gives_the_fault_free_verdict()
    {
        var storage = FaultSupport.S3(fixture.ProxyA.Endpoint, S3TestServer.A);
        fixture.ProxyA.Plan = FaultPlan.None;
        fixture.ProxyA.ResetCounters();
        var reference = await FaultSupport.RunAsync(["verify", fixture.Source, "--json"], storage);
        Assert.True(reference.Code == 0, reference.ToString());
        var referenceRequests = fixture.ProxyA.Requests();

        // A good snapshot: restorable (exit 0), round after round until at least 30 faults have hit it
        // (verify lists directories, so one round makes only a handful of requests).
        var faults = 0;
        for (var round = 0; round < 200 && faults < 30; round++)
        {
            fixture.ProxyA.ResetCounters();
            fixture.ProxyA.Plan = FaultPlan.Random(0.10, seed: 100 + round);
            var faulted = await FaultSupport.RunAsync(["verify", fixture.Source, "--json"], storage);
            var summary = fixture.ProxyA.Summary();
            fixture.ProxyA.Plan = FaultPlan.None;
            output.WriteLine($"verify round {round}: fault-free {reference.Elapsed.TotalSeconds:F1}s ({referenceRequests} requests), faulted {faulted.Elapsed.TotalSeconds:F1}s: {summary}");
            Assert.True(faulted.Code == 0, $"{faulted}\n{summary}");
            Assert.Equal(reference.Out, faulted.Out);
            faults += fixture.ProxyA.Faults();
        }
        Assert.True(faults >= 30, $"only {faults} faults injected");

        // A broken copy of it (one file missing): problems found (exit 1), naming that file, with and without faults.
        var broken = $"s3://{fixture.DestinationA}/broken/savepoint";
        var copied = await FaultSupport.RunAsync(["relocate", fixture.Source, broken], storage);
        Assert.True(copied.Code == 0, copied.ToString());
        var victim = fixture.Files.Keys.First();
        using (var client = FaultSupport.Client(S3TestServer.A))
        {
            await client.DeleteObjectAsync(fixture.DestinationA, $"broken/savepoint/{victim}");
        }
        var clean = await FaultSupport.RunAsync(["verify", broken], storage);
        fixture.ProxyA.Plan = FaultPlan.Random(0.10, seed: 200);
        var bad = await FaultSupport.RunAsync(["verify", broken], storage);
        fixture.ProxyA.Plan = FaultPlan.None;
        Assert.True(bad.Code == 1, bad.ToString());
        Assert.Contains(victim, bad.Out + bad.Err, StringComparison.Ordinal);
        Assert.Equal(clean.Code, bad.Code);
        Assert.Equal(clean.Out, bad.Out);
    }
}
