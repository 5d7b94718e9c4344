using System.Text.Json.Nodes;
using HilBridge.Live.Qemu;

namespace HilBridge.Live.Tests.Qemu;

public class PciTopologyTests
{
    private static JsonNode QueryPci(int secondaryBus) => JsonNode.Parse($$$"""
        [{"bus": 0, "devices": [
           {"bus": 0, "slot": 0, "function": 0, "qdev_id": ""},
           {"bus": 0, "slot": 1, "function": 0, "qdev_id": "rp0",
            "pci_bridge": {"bus": {"number": {{{secondaryBus}}}, "secondary": {{{secondaryBus}}}, "subordinate": {{{secondaryBus}}}},
                           "devices": [{"bus": {{{secondaryBus}}}, "slot": 0, "function": 0, "qdev_id": "hbdev"}]}}]}]
        """)!;

    [Fact]
    public void FindStreamId_DeviceBehindNumberedRootPort_IsRequesterId() =>
        Assert.Equal(0x100u, PciTopology.FindStreamId(QueryPci(1), "hbdev"));

    [Fact]
    public void FindStreamId_BusNotYetNumbered_IsUnknown() =>
        Assert.Null(PciTopology.FindStreamId(QueryPci(0), "hbdev"));

    [Fact]
    public void FindStreamId_DeviceOnRootBus_UsesSlotAndFunction() =>
        Assert.Equal(0x0Au, PciTopology.FindStreamId(JsonNode.Parse("""[{"bus":0,"devices":[{"bus":0,"slot":1,"function":2,"qdev_id":"hbdev"}]}]"""), "hbdev"));

    [Fact]
    public void FindStreamId_Absent_IsUnknown() =>
        Assert.Null(PciTopology.FindStreamId(QueryPci(1), "other"));
}
