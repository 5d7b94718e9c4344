namespace HilBridge.Traces.Import;

/// <summary>
/// One line of QEMU's log trace backend about the SMMU, e.g.
/// "1234@1700000000.123456:smmuv3_cmdq_cfgi_ste streamid= 256" or "smmuv3_cmdq_opcode &lt;--- SMMU_CMD_SYNC".
/// Fields keep their text; numbers are read with <see cref="TryGetNumber"/> (decimal or 0x hex).
/// </summary>
public sealed record SmmuTraceEvent(string Name, string Message, IReadOnlyDictionary<string, string> Fields)
{
    public bool TryGetNumber(string key, out ulong value)
    {
        value = 0;
        if (!Fields.TryGetValue(key, out var text))
        {
            return false;
        }

        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(text.AsSpan(2), System.Globalization.NumberStyles.HexNumber, null, out value)
            : ulong.TryParse(text, out value);
    }

    /// <summary>For smmuv3_cmdq_opcode: the command name ("SMMU_CMD_CFGI_STE").</summary>
    public string? Opcode => Name == "smmuv3_cmdq_opcode" ? Message.Replace("<---", "").Trim() : null;
}
