using HilBridge.Control.Mapping;
using HilBridge.Core.Engine;
using HilBridge.Scenarios;

namespace HilBridge.Control.Tests.Mapping;

public class DeviceMappingTests
{
    [Fact]
    public void ToProto_Counters_EngineMapHoldsEveryCounterByName()
    {
        var stats = new BridgeStatistics { Requests = 3, Engine = new() { StaleHits = 2, PermissionDenials = 1 } };

        var counters = DeviceMapping.ToProto("hbdev", stats);

        Assert.Equal(EngineCounterSnapshot.All.Select(c => c.Name), counters.Engine.Keys);
        Assert.Equal(2, counters.Engine["staleHits"]);
        Assert.Equal(1, counters.Engine["permissionDenials"]);
    }

    [Fact]
    public void ToProto_Counters_KeepsTheNamedV1Fields()
    {
        var stats = new BridgeStatistics
        {
            Requests = 3,
            Engine = new() { Fences = 4, Violations = 5, InvalidationsAcked = 6, LastRecoveryTime = TimeSpan.FromSeconds(1.5) },
        };

        var counters = DeviceMapping.ToProto("hbdev", stats);

        Assert.Equal((3L, 4L, 5L, 6L), (counters.Requests, counters.Fences, counters.Violations, counters.InvalidationsAcked));
        Assert.Equal(TimeSpan.FromSeconds(1.5), counters.LastRecovery.ToTimeSpan());
    }
}
