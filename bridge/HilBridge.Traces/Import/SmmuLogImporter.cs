using HilBridge.Core.Dma;
using HilBridge.Core.Engine;

namespace HilBridge.Traces.Import;

/// <summary>
/// Turns QEMU's own SMMU trace log (stock QEMU, log backend, events by name) into engine inputs and
/// runs them through an <see cref="EngineStepper"/> (whose observer writes the trace).
/// <para>Device model, since stock QEMU has no ATS device: the device is the StreamID of
/// <see cref="ImportOptions.StreamId"/>, and it caches every translation QEMU made for it.</para>
/// <list type="bullet">
/// <item><c>smmuv3_translate_success sid= iova= translated= perm=</c> for the device: one instantaneous
/// payload access (BeginAccess, EndAccess at once) at iova with direction = perm; on a miss or a
/// permission denial the device first receives the translation as a 4 KiB IOTLB update (as a vhost
/// back-end gets UPDATE after its MISS) and retries. A fenced device's access is refused.</item>
/// <item><c>smmuv3_s1_range_inval</c> / <c>smmuv3_range_inval addr= tg= num_pages=</c>: one IOTLB
/// invalidation of num_pages granules (granule 4 KiB << 2*(tg-1), 4 KiB when tg=0), as QEMU notifies
/// the device's IOTLB once per logged range.</item>
/// <item><c>smmuv3_cmdq_tlbi_nh</c>, <c>smmuv3_cmdq_tlbi_nh_asid</c>: an invalidation of everything.</item>
/// <item><c>smmuv3_cmdq_cfgi_ste streamid=</c>, <c>smmuv3_cmdq_cfgi_ste_range start= end=</c> covering the
/// device: an STE invalidation, preceded (with <see cref="ImportOptions.ResetOnAttach"/>) by a device
/// stop and start, since the log does not show resets.</item>
/// <item>Guest-visible ATS (<see cref="ImportOptions.GuestVisibleAts"/>, the patched SMMU): <c>smmuv3_cmdq_atc_inv
/// sid= addr= size=</c> for the device is its invalidation (2^size 4 KiB pages from addr, the whole space from
/// size 52), and the TLB invalidations above are counted but not applied: they do not reach the device's ATC.</item>
/// <item>CMD_SYNC and everything else: counted, no input (QEMU completes each invalidation
/// synchronously, so CMD_SYNC adds nothing the engine needs).</item>
/// </list>
/// Times come from the "pid@sec.usec:" prefix (kept monotonic: QEMU's threads log slightly out of order),
/// else advance by <see cref="ImportOptions.SyntheticStep"/> per event. Before each input the engine's due
/// timers fire at their exact times, as the live host's timer would.
/// </summary>
public sealed class SmmuLogImporter(EngineStepper driver, ImportOptions options)
{
    private ulong _nextRequest;
    private DateTimeOffset _now = driver.Now;
    private bool _started;

    public ImportReport Report { get; } = new();

    /// <param name="at">The line's timestamp, if it had one.</param>
    /// <param name="name">Event name, e.g. "smmuv3_s1_range_inval".</param>
    /// <param name="message">The text after the name ("&lt;--- SMMU_CMD_SYNC" for opcodes).</param>
    /// <param name="fields">Its key=value fields.</param>
    public void Add(DateTimeOffset? at, string name, string message, IReadOnlyDictionary<string, string> fields)
    {
        Report.Events++;
        var key = name == "smmuv3_cmdq_opcode" ? name + " " + message.Replace("<---", "").Trim() : name;
        Report.ByName[key] = Report.ByName.GetValueOrDefault(key) + 1;
        if (at is { } t)
        {
            Report.TimestampedEvents++;
            if (t > _now)
            {
                _now = t;
            }
        }
        else if (_started)
        {
            _now += options.SyntheticStep;
        }

        _started = true;
        Report.First ??= _now;
        Report.Last = _now;
        switch (name)
        {
            case "smmuv3_translate_success":
                Translate(fields);
                break;
            case "smmuv3_s1_range_inval" or "smmuv3_range_inval" or "smmuv3_cmdq_tlbi_nh" or "smmuv3_cmdq_tlbi_nh_asid" or "smmuv3_cmdq_tlbi_nh_all"
                when options.GuestVisibleAts:
                Report.TlbInvalidationsNotForTheAtc++;
                break;
            case "smmuv3_cmdq_atc_inv":
                AtcInvalidate(fields);
                break;
            case "smmuv3_s1_range_inval" or "smmuv3_range_inval":
                RangeInvalidate(fields);
                break;
            case "smmuv3_cmdq_tlbi_nh" or "smmuv3_cmdq_tlbi_nh_asid" or "smmuv3_cmdq_tlbi_nh_all":
                Report.FullInvalidations++;
                Apply(new EngineInput(EngineInputKind.IotlbInvalidate, _now, 0, 0, Id: ++_nextRequest));
                break;
            case "smmuv3_cmdq_cfgi_ste" when SmmuFields.TryNumber(fields, "streamid", out var sid):
                Attach((uint)sid);
                break;
            case "smmuv3_cmdq_cfgi_ste_range" when SmmuFields.TryNumber(fields, "start", out var start) && SmmuFields.TryNumber(fields, "end", out var end):
                if (options.StreamId is uint device && device >= start && device <= end)
                {
                    Attach(device);
                }
                else
                {
                    Report.IgnoredEvents++;
                }

                break;
            default:
                Report.IgnoredEvents++;
                break;
        }
    }

    /// <summary>
    /// Settles what is still pending: runs the engine's timers up to one invalidation timeout after the
    /// last event, so every invalidation in flight is answered or timed out (later stragglers are dropped).
    /// </summary>
    public void Finish() => driver.AdvanceTo(_now + driver.Options.InvalidationTimeout);

    private void Translate(IReadOnlyDictionary<string, string> fields)
    {
        if (!SmmuFields.TryNumber(fields, "sid", out var sid) || !SmmuFields.TryNumber(fields, "iova", out var iova)
            || !SmmuFields.TryNumber(fields, "translated", out var translated))
        {
            Report.IgnoredEvents++;
            return;
        }

        if (options.StreamId is uint device && device != sid)
        {
            Report.OtherStreamTranslations++;
            return;
        }

        Report.Translations++;
        SmmuFields.TryNumber(fields, "perm", out var perm);
        var kind = (AccessKind)(perm & 3);
        if (kind == AccessKind.None)
        {
            kind = AccessKind.Read;
        }

        for (int attempt = 0; attempt < 2; attempt++)
        {
            Report.Accesses++;
            var (result, _, token) = Apply(new EngineInput(EngineInputKind.BeginAccess, _now, iova, 0, Access: kind, Purpose: DmaPurpose.Payload));
            switch (result)
            {
                case AccessResult.Hit:
                    Apply(new EngineInput(EngineInputKind.EndAccess, _now, Id: token.Id));
                    return;
                case AccessResult.Fenced:
                    Report.RefusedAccesses++;
                    return;
                default:
                    if (attempt == 0)
                    {
                        Report.IotlbUpdates++;
                        var page = ~(ImportOptions.PageSize - 1);
                        Apply(new EngineInput(EngineInputKind.IotlbUpdate, _now, iova & page, ImportOptions.PageSize, translated & page, (AccessKind)(perm & 3)));
                    }

                    break;
            }
        }
    }

    private void RangeInvalidate(IReadOnlyDictionary<string, string> fields)
    {
        if (!SmmuFields.TryNumber(fields, "addr", out var addr))
        {
            Report.IgnoredEvents++;
            return;
        }

        SmmuFields.TryNumber(fields, "tg", out var tg);
        if (!SmmuFields.TryNumber(fields, "num_pages", out var pages) || pages == 0)
        {
            pages = 1;
        }

        int granule = tg == 0 ? 12 : (int)Math.Min(tg * 2 + 10, 16);
        // Past 2^64 means "to the end", which the engine spells size 0.
        ulong size = pages > (ulong.MaxValue >> granule) ? 0 : pages << granule;
        Report.RangeInvalidations++;
        Apply(new EngineInput(EngineInputKind.IotlbInvalidate, _now, addr, size, Id: ++_nextRequest));
    }

    /// <summary>CMD_ATC_INV as the patched SMMU logs it: addr already aligned down to the span of 2^size pages.</summary>
    private void AtcInvalidate(IReadOnlyDictionary<string, string> fields)
    {
        if (!SmmuFields.TryNumber(fields, "sid", out var sid) || !SmmuFields.TryNumber(fields, "addr", out var addr)
            || !SmmuFields.TryNumber(fields, "size", out var log2Pages))
        {
            Report.IgnoredEvents++;
            return;
        }

        if (options.StreamId is uint device && device != sid)
        {
            Report.IgnoredEvents++;
            return;
        }

        Report.AtcInvalidations++;
        bool all = log2Pages >= 52;
        Apply(new EngineInput(EngineInputKind.IotlbInvalidate, _now, all ? 0 : addr, all ? 0 : 1UL << (int)(log2Pages + 12), Id: ++_nextRequest));
    }

    private void Attach(uint sid)
    {
        Report.SteInvalidations++;
        if (options.ResetOnAttach && options.StreamId is uint device && device == sid)
        {
            Report.Resets++;
            Apply(new EngineInput(EngineInputKind.DeviceStopped, _now));
            Apply(new EngineInput(EngineInputKind.DeviceStarted, _now));
        }

        Apply(new EngineInput(EngineInputKind.SteInvalidated, _now, Id: sid));
    }

    private StepResult Apply(in EngineInput input)
    {
        driver.AdvanceTo(input.At);
        return driver.Step(input);
    }
}
