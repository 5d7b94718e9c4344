using HilBridge.Live.AtsPort;

namespace HilBridge.Live.Tests.AtsPort;

/// <summary>The ATS port's wire format, byte for byte as QEMU's hw/arm/smmuv3-ats-port.h lays it out.</summary>
public sealed class AtsPortCodecTests
{
    // protos/ats-port.md's example: ATC_INV tag 42, sid 0x100, one page at 0xffff6000.
    private static readonly byte[] AtcInvFrame =
    [
        0x02, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00,
        0x2a, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x60, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];

    [Fact]
    public void TryRead_AtcInvalidateFrame_DecodesEveryField()
    {
        var frames = Fill(AtcInvFrame);
        Assert.True(frames.TryRead(out var header, out var payload));
        Assert.Equal(AtsPortMessageType.AtcInvalidate, header.Type);
        Assert.True(AtcInvalidation.TryRead(payload, out var inv));
        Assert.Equal(new AtcInvalidation(42, 0x100, 0, 0, false, false, 0xffff6000, 4096), inv);
        Assert.False(frames.TryRead(out _, out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(39)]
    public void TryRead_FrameCutShort_WaitsForTheRest(int have)
    {
        var frames = Fill(AtcInvFrame[..have]);
        Assert.False(frames.TryRead(out _, out _));
        Fill(frames, AtcInvFrame[have..]);
        Assert.True(frames.TryRead(out var header, out _));
        Assert.Equal(32u, header.Length);
    }

    [Fact]
    public void TryRead_OversizedLength_ThrowsProtocolErrorBeforeBuffering()
    {
        var frames = Fill([0x81, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00]);
        Assert.Throws<AtsPortProtocolException>(() => frames.TryRead(out _, out _));
    }

    [Fact]
    public void TryRead_TwoFramesInOneReceive_BothReturnedInOrder()
    {
        byte[] sync = [0x04, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x2a, 0, 0, 0, 3, 0, 0, 0, 0x40, 0x42, 0x0f, 0, 0, 0, 0, 0];
        var frames = Fill([.. AtcInvFrame, .. sync]);
        Assert.True(frames.TryRead(out var first, out _));
        Assert.True(frames.TryRead(out var second, out var payload));
        Assert.Equal(AtsPortMessageType.AtcInvalidate, first.Type);
        Assert.Equal(AtsPortMessageType.Sync, second.Type);
        Assert.True(SyncReport.TryRead(payload, out var report));
        Assert.Equal(new SyncReport(42, SyncReport.AtcInvalidationFailed, TimeSpan.FromMilliseconds(1)), report);
    }

    [Fact]
    public void SteTryRead_TranslateWithEats_TranslatedAllowed()
    {
        Assert.True(SteState.TryRead([0x00, 0x01, 0x00, 0x00, 3, 1, 1, 0], out var ste));
        Assert.Equal(new SteState(0x100, SteConfig.Translate, 1, true), ste);
    }

    [Fact]
    public void PayloadTryRead_ShortPayload_False()
    {
        Assert.False(AtcInvalidation.TryRead(new byte[31], out _));
        Assert.False(SteState.TryRead(new byte[7], out _));
        Assert.False(SyncReport.TryRead(new byte[15], out _));
        Assert.False(AtsPortHello.TryRead(new byte[15], out _));
        Assert.False(AtcInvalidationTimeout.TryRead(new byte[7], out _));
    }

    [Fact]
    public void PayloadTryRead_LongerPayload_ExtraBytesIgnored()
    {
        var payload = new byte[AtcInvalidation.Size + 16];
        new AtcInvalidation(5, 8, 3, 52, true, true, 0, 0).Write(payload);
        Assert.True(AtcInvalidation.TryRead(payload, out var inv));
        Assert.Equal(new AtcInvalidation(5, 8, 3, 52, true, true, 0, 0), inv);
    }

    [Fact]
    public void DoneWrite_TagAndStatus_LittleEndian()
    {
        var payload = new byte[AtcInvalidationDone.Size];
        new AtcInvalidationDone(0x01020304, 1).Write(payload);
        Assert.Equal([4, 3, 2, 1, 1, 0, 0, 0], payload);
    }

    private static AtsPortFrameBuffer Fill(byte[] bytes) => Fill(new AtsPortFrameBuffer(), bytes);

    private static AtsPortFrameBuffer Fill(AtsPortFrameBuffer frames, byte[] bytes)
    {
        bytes.CopyTo(frames.FreeSpace());
        frames.Advance(bytes.Length);
        return frames;
    }
}
