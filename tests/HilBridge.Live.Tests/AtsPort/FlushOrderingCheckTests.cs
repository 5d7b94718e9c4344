using HilBridge.Live.AtsPort;

namespace HilBridge.Live.Tests.AtsPort;

public class FlushOrderingCheckTests
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Ms = TimeSpan.FromMilliseconds(1);

    private static SyncReport Ok(uint lastTag) => new(lastTag, 0, TimeSpan.Zero);

    private static SyncReport Failed(uint lastTag) => new(lastTag, SyncReport.AtcInvalidationFailed, TimeSpan.Zero);

    [Fact]
    public void StockKernel_RetryThenNextUnmapWithoutFence_CompletedUnfenced()
    {
        var check = new FlushOrderingCheck();

        Assert.Null(check.OnSync(Failed(7), T0, null));
        Assert.Null(check.OnSync(Ok(7), T0 + 1 * Ms, null)); // the SMMU retries the same CMD_SYNC
        var done = check.OnSync(Ok(9), T0 + 5 * Ms, null);  // the guest's next unmap: its flush had returned

        Assert.Equal(new FlushCompletion(7, 9, null), done);
        Assert.Equal((1, 0, 1), (check.Failed, check.CompletedFenced, check.CompletedUnfenced));
        Assert.Null(check.MinFenceLead);
    }

    [Fact]
    public void QuarantineKernel_FenceBeforeItsLastInvalidationsSync_CompletedFencedWithTheLead()
    {
        var check = new FlushOrderingCheck();
        check.OnSync(Failed(7), T0, null);
        check.OnSync(Ok(7), T0 + 1 * Ms, null);

        // STE (EATS 0) at +3 ms, then the quarantine's own ATC_INV (tag 8) and its CMD_SYNC at +10 ms.
        var done = check.OnSync(Ok(8), T0 + 10 * Ms, fencedSince: T0 + 3 * Ms);

        Assert.Equal(new FlushCompletion(7, 8, 7 * Ms), done);
        Assert.Equal((1, 1, 0), (check.Failed, check.CompletedFenced, check.CompletedUnfenced));
        Assert.Equal(7 * Ms, check.MinFenceLead);
    }

    [Fact]
    public void SecondFailureBeforeTheFirstFlushEnded_OneCompletionForBoth()
    {
        var check = new FlushOrderingCheck();
        check.OnSync(Failed(7), T0, null);
        check.OnSync(Failed(7), T0 + 1 * Ms, null); // the retry failed again: the same flush
        check.OnSync(Failed(8), T0 + 2 * Ms, null);

        check.OnSync(Ok(9), T0 + 3 * Ms, T0 + 2 * Ms);

        Assert.Equal((2, 1, 0), (check.Failed, check.CompletedFenced, check.CompletedUnfenced));
    }

    [Fact]
    public void SyncsWithoutAFailure_NothingToJudge()
    {
        var check = new FlushOrderingCheck();

        Assert.Null(check.OnSync(Ok(1), T0, null));
        Assert.Null(check.OnSync(Ok(2), T0, T0));

        Assert.Equal((0, 0, 0), (check.Failed, check.CompletedFenced, check.CompletedUnfenced));
    }
}
