using System.Text.Json.Nodes;

namespace HilBridge.Live.Qemu;

/// <summary>Finds a device's PCI requester ID in QMP query-pci output: the SMMU StreamID on QEMU's virt machine.</summary>
public static class PciTopology
{
    /// <summary>StreamID = bus &lt;&lt; 8 | slot &lt;&lt; 3 | function of the device whose qdev id matches; null if absent
    /// or still behind an unnumbered bridge (the guest has not enumerated the bus yet).</summary>
    public static uint? FindStreamId(JsonNode? queryPciResult, string qdevId)
    {
        if (queryPciResult is not JsonArray buses)
        {
            return null;
        }

        foreach (var bus in buses)
        {
            if (bus?["devices"] is JsonArray devices && Search(devices, qdevId, behindBridge: false) is { } id)
            {
                return id;
            }
        }
        return null;
    }

    private static uint? Search(JsonArray devices, string qdevId, bool behindBridge)
    {
        foreach (var device in devices)
        {
            if (device is null)
            {
                continue;
            }

            if ((string?)device["qdev_id"] == qdevId)
            {
                var bus = (uint?)device["bus"] ?? 0;
                var slot = (uint?)device["slot"] ?? 0;
                var function = (uint?)device["function"] ?? 0;
                // Behind a bridge, bus 0 means the guest has not numbered the secondary bus yet.
                return bus == 0 && behindBridge ? null : bus << 8 | slot << 3 | function;
            }
            if (device["pci_bridge"]?["devices"] is JsonArray children && Search(children, qdevId, behindBridge: true) is { } id)
            {
                return id;
            }
        }
        return null;
    }

}
