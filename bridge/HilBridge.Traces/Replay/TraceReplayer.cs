using System.Runtime.CompilerServices;
using HilBridge.Core.Engine;
using HilBridge.Traces.Analysis;
using HilBridge.Traces.Format;
using HilBridge.Traces.Proto;

namespace HilBridge.Traces.Replay;

/// <summary>
/// Re-runs a recorded engine on virtual time, streaming the trace (constant memory whatever its size).
/// <para>Exact mode (no overrides): a new engine with the recorded options and start time; each recorded
/// input is applied at its recorded time (timers included), and every effect and BeginAccess result must
/// equal the recorded one, in order. The first difference is reported precisely and replay stops.</para>
/// <para>What-if mode (any override): the recorded inputs are treated as the device's demand; recorded
/// timers are replaced by the new engine's own deadlines, and access tokens are re-mapped since the new
/// engine hits and misses differently (see <see cref="WhatIfAdjustments"/>). Nothing is compared; both
/// sides are tallied. The guest's reaction to different decisions is not modelled.</para>
/// </summary>
public static class TraceReplayer
{
    public static ReplayResult Run(TraceReader reader, ReplayOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        options ??= ReplayOptions.Exact;
        var recordedOptions = reader.CreateEngineOptions();
        return options.IsWhatIf
            ? new WhatIf(reader, options.ApplyTo(recordedOptions), options.Policy is not null).Run(ct)
            : new Exact(reader, recordedOptions).Run(ct);
    }

    /// <summary>What both modes report; each adds its own part (the mismatch, the what-if adjustments).</summary>
    private static ReplayResult Result(TraceReader reader, bool whatIf, EngineOptions options, TraceTally recorded, TraceTally replayed,
        AtsEngine engine, EngineCounterSnapshot? atRunEnd, RunEndRecord? runEnd, long rejected) => new()
    {
        IsWhatIf = whatIf,
        Options = options,
        Mismatch = null,
        Records = reader.RecordsRead,
        ReadStatus = reader.Status,
        ReadProblem = reader.Problem,
        Recorded = recorded,
        Replayed = replayed,
        FinalCounters = engine.Counters.Snapshot(),
        CountersAtRunEnd = atRunEnd,
        RunEnd = runEnd,
        RejectedInputs = rejected,
    };

    /// <summary>
    /// <paramref name="replayed"/> with only what <paramref name="recorded"/>'s trace version could record:
    /// stragglers recorded before real straggler DMA carry no id and no address.
    /// </summary>
    private static EngineEffect AsRecorded(in EngineEffect replayed, in EngineEffect recorded) =>
        replayed.Kind == EffectKind.StragglerAccess && recorded.Kind == EffectKind.StragglerAccess && recorded.Straggler.Id == 0
            ? replayed with { Straggler = replayed.Straggler with { Id = 0, UserAddr = 0 } }
            : replayed;

    private sealed class Exact(TraceReader reader, EngineOptions options) : IEngineObserver
    {
        private readonly Queue<EngineEffect> _pending = new();
        private readonly TraceTally _recorded = new();
        private readonly TraceTally _replayed = new();
        private readonly EngineStepper _driver = new(options, reader.EngineStart);
        private ReplayMismatch? _mismatch;
        private long _lastInputIndex = -1;
        private EngineInput _lastInput;
        private AccessResult? _lastResult;
        private EngineCounterSnapshot? _atRunEnd;
        private RunEndRecord? _runEnd;
        private long _rejected;

        public ReplayResult Run(CancellationToken ct)
        {
            _driver.Observer = this;
            while (_mismatch is null && reader.TryReadNext())
            {
                ref readonly var entry = ref reader.Current;
                if ((entry.Index & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                Replay(entry);
            }

            if (_mismatch is null && _pending.TryPeek(out var left))
            {
                _mismatch = new ReplayMismatch(reader.RecordsRead, reader.Position, "end of trace",
                    "the replay produced an effect after the last recorded record", "nothing more", Describe(left), _lastInputIndex, LastInput());
            }

            return Result(reader, whatIf: false, options, _recorded, _replayed, _driver.Engine, _atRunEnd, _runEnd, _rejected) with
            {
                Mismatch = _mismatch,
            };
        }

        /// <summary>
        /// One record: an input is applied and its result compared, an effect compared with the next one the
        /// replay produced. A method of its own (not the body of Run's loop, which runs once per replay and so
        /// would stay in on-stack-replacement code) so that tiered compilation optimizes it as a hot method.
        /// </summary>
        private void Replay(in TraceEntry entry)
        {
            switch (entry.Kind)
            {
                case TraceRecordKind.Input:
                    ReplayInput(entry);
                    break;
                case TraceRecordKind.Effect:
                    CompareEffect(entry);
                    break;
                case TraceRecordKind.RunEnd:
                    _runEnd = entry.RunEnd;
                    _atRunEnd = _driver.Engine.Counters.Snapshot();
                    break;
            }
        }

        private void ReplayInput(in TraceEntry entry)
        {
            _recorded.AddInput(entry.InputSlot, entry.Result);
            if (_pending.Count > 0)
            {
                FailOnExtraEffect(entry);
                return;
            }

            AccessResult? result;
            try
            {
                result = _driver.Step(entry.InputSlot).Result;
            }
            catch (ArgumentException)
            {
                // The live engine rejected it the same way (it validates before changing state).
                _rejected++;
                return;
            }

            if (entry.Result is AccessResult recorded && result != recorded)
            {
                Fail(entry, "BeginAccess result differs", recorded.ToString(), result?.ToString() ?? "none");
            }

            // Formatted only if a mismatch needs it: replay must not pay for a string per input.
            _lastInputIndex = entry.Index;
            _lastInput = entry.InputSlot;
            _lastResult = entry.Result;
        }

        // Effects are a tenth of the records: their effect-sized locals stay out of the input path.
        [MethodImpl(MethodImplOptions.NoInlining)]
        private void CompareEffect(in TraceEntry entry)
        {
            _recorded.AddEffect(entry.EffectSlot);
            if (!_pending.TryDequeue(out var actual))
            {
                Fail(entry, "the recording has an effect that the replay did not produce", Describe(entry.Effect), "no effect");
            }
            else if (!AsRecorded(actual, entry.EffectSlot).Equals(entry.EffectSlot))
            {
                Fail(entry, "effect differs", Describe(entry.Effect), Describe(actual));
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void FailOnExtraEffect(in TraceEntry entry) =>
            Fail(entry, "the replay produced an effect that the recording does not have (the next recorded record is an input)",
                "input  " + TraceText.Input(entry.Input, entry.Result), Describe(_pending.Peek()));

        void IEngineObserver.OnInput(in EngineInput input, AccessResult? result) => ((IEngineObserver)_replayed).OnInput(input, result);

        void IEngineObserver.OnEffect(in EngineEffect effect)
        {
            ((IEngineObserver)_replayed).OnEffect(effect);
            _pending.Enqueue(effect);
        }

        private string Describe(in EngineEffect e) => "effect " + TraceText.Relative(e.At, reader.EngineStart) + " " + TraceText.Effect(e);

        private void Fail(in TraceEntry entry, string what, string expected, string actual) =>
            _mismatch = new ReplayMismatch(entry.Index, entry.Offset, TraceText.Relative(entry.At, reader.EngineStart), what, expected, actual,
                _lastInputIndex < 0 ? null : _lastInputIndex, LastInput());

        private string? LastInput() => _lastInputIndex < 0 ? null : TraceText.Input(_lastInput, _lastResult);
    }

    private sealed class WhatIf(TraceReader reader, EngineOptions options, bool policyReplaced)
    {
        private readonly TraceTally _recorded = new();
        private readonly TraceTally _replayed = new();
        private readonly Dictionary<ulong, ulong> _tokens = new();
        private long _liveHits;
        private long _timersSkipped, _policiesIgnored, _resultsChanged, _extraHits, _endsWithoutAccess, _rejected;

        public ReplayResult Run(CancellationToken ct)
        {
            var driver = new EngineStepper(options, reader.EngineStart, _replayed);
            EngineCounterSnapshot? atRunEnd = null;
            RunEndRecord? runEnd = null;
            DateTimeOffset last = reader.EngineStart;
            while (reader.TryRead(out var entry))
            {
                if ((entry.Index & 0xFFFF) == 0)
                {
                    ct.ThrowIfCancellationRequested();
                }

                if (entry.At > last)
                {
                    last = entry.At;
                }

                switch (entry.Kind)
                {
                    case TraceRecordKind.Input:
                        _recorded.AddInput(entry.Input, entry.Result);
                        try
                        {
                            ApplyDemand(driver, entry);
                        }
                        catch (ArgumentException)
                        {
                            _rejected++;
                        }

                        break;
                    case TraceRecordKind.Effect:
                        _recorded.AddEffect(entry.Effect);
                        break;
                    case TraceRecordKind.RunEnd:
                        driver.AdvanceTo(entry.At);
                        runEnd = entry.RunEnd;
                        atRunEnd = driver.Engine.Counters.Snapshot();
                        break;
                }
            }

            driver.AdvanceTo(last);
            return Result(reader, whatIf: true, options, _recorded, _replayed, driver.Engine, atRunEnd, runEnd, _rejected) with
            {
                Adjustments = new WhatIfAdjustments
                {
                    RecordedTimersSkipped = _timersSkipped,
                    SetPoliciesIgnored = _policiesIgnored,
                    AccessResultsChanged = _resultsChanged,
                    ExtraHitsEndedAtOnce = _extraHits,
                    EndsWithoutAccess = _endsWithoutAccess,
                },
            };
        }

        private void ApplyDemand(EngineStepper driver, in TraceEntry entry)
        {
            var input = entry.Input;
            switch (input.Kind)
            {
                case EngineInputKind.Timer:
                    _timersSkipped++;
                    return;
                case EngineInputKind.SetPolicy when policyReplaced:
                    _policiesIgnored++;
                    return;
            }

            driver.AdvanceTo(input.At);
            switch (input.Kind)
            {
                case EngineInputKind.BeginAccess:
                    var (result, _, token) = driver.Step(input);
                    if (entry.Result is AccessResult recorded && recorded != result)
                    {
                        _resultsChanged++;
                    }

                    if (entry.Result == AccessResult.Hit)
                    {
                        // Live tokens are numbered by hit: the recording's k-th hit held token k.
                        _liveHits++;
                        if (token.IsValid)
                        {
                            _tokens[(ulong)_liveHits] = token.Id;
                        }
                    }
                    else if (entry.Result is null && token.IsValid)
                    {
                        _tokens[token.Id] = token.Id; // no recorded result: assume the same numbering
                    }
                    else if (token.IsValid)
                    {
                        // Hit only here: the recording has no end for it, so the access ends at once.
                        _extraHits++;
                        driver.Step(new EngineInput(EngineInputKind.EndAccess, input.At, Id: token.Id));
                    }

                    break;
                case EngineInputKind.EndAccess:
                    if (_tokens.Remove(input.Id, out var mapped))
                    {
                        driver.Step(input with { Id = mapped });
                    }
                    else if (input.Id != 0)
                    {
                        _endsWithoutAccess++;
                    }

                    break;
                default:
                    driver.Step(input);
                    break;
            }
        }
    }
}
