using HilBridge.Traces.Format;

namespace HilBridge.Traces.Tests.Format;

public class WireReaderTests
{
    public static TheoryData<ulong> Values => [0, 1, 127, 128, 300, 0x1_0000_0000, 0x7f00_0000_1000, ulong.MaxValue];

    [Theory]
    [MemberData(nameof(Values))]
    public void Varint_AtTheEndOrWithRoomToSpare_SameValueAndLength(ulong value)
    {
        var encoded = Encode(value);
        // Alone (the byte-by-byte path near the end) and followed by padding (the path with room for 10 bytes).
        foreach (var data in new[] { encoded, [.. encoded, .. new byte[16]] })
        {
            var r = new WireReader(data);

            Assert.Equal(value, r.Varint());
            Assert.Equal(encoded.Length, r.Position);
        }
    }

    [Theory]
    [MemberData(nameof(Values))]
    public void Varint_WindowGoesOnPastTheLimit_ReadsOnlyTheValue(ulong value)
    {
        // The trace reader's window runs on past the record (checksum, next frames): bytes that would be
        // continuation bytes must not leak into the value, however many bytes are loaded at once.
        var encoded = Encode(value);
        byte[] window = [.. encoded, .. Enumerable.Repeat((byte)0xFF, 16)];
        var r = new WireReader(window, encoded.Length);

        Assert.Equal(value, r.Varint());
        Assert.Equal(encoded.Length, r.Position);
        Assert.True(r.End);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(10)]
    public void Varint_EndsPastTheLimit_RefusedThoughTheWindowHoldsIt(int bytes)
    {
        // A varint of `bytes` bytes, whole in the window, but the data ends one byte before its last byte.
        var encoded = Encode(ulong.MaxValue >> (64 - Math.Min(64, 7 * bytes - 6)));
        Assert.Equal(bytes, encoded.Length);
        byte[] window = [.. encoded, .. new byte[16]];

        var ex = Assert.Throws<InvalidDataException>(() => new WireReader(window, bytes - 1).Varint());
        Assert.Contains("past the end of the record", ex.Message);
    }

    [Fact]
    public void LengthDelimitedReader_NestedField_LimitedToItsLength()
    {
        // Field 1 = { 0x08 0x96 0x01 } (field 1 = 150), then field 2 = 7 after it in the outer data.
        byte[] data = [0x0A, 0x03, 0x08, 0x96, 0x01, 0x10, 0x07];
        var outer = new WireReader(data);
        Assert.True(outer.TryTag(out _, out _));

        var inner = outer.LengthDelimitedReader();
        ulong value = 0;

        Assert.True(inner.TryVarintField(0x08, ref value));
        Assert.Equal(150UL, value);
        Assert.True(inner.End);
        Assert.False(inner.TryVarintField(0x10, ref value)); // the outer field 2 is past the nested limit
        Assert.Equal(5, outer.Position);
    }

    [Fact]
    public void TryVarintField_OtherTagNext_ReadsNothing()
    {
        ulong value = 42;
        var r = new WireReader([0x10, 0x01]);

        Assert.False(r.TryVarintField(0x08, ref value));
        Assert.Equal(42UL, value);
        Assert.Equal(0, r.Position);
    }

    [Fact]
    public void Varint_ElevenBytes_RefusedOnBothPaths()
    {
        var overlong = Enumerable.Repeat((byte)0x80, 10).Append((byte)1).ToArray();
        foreach (var data in new[] { overlong, [.. overlong, .. new byte[16]] })
        {
            Assert.Throws<InvalidDataException>(() => new WireReader(data).Varint());
        }
    }

    [Fact]
    public void Varint_CutShort_Refused() => Assert.Throws<InvalidDataException>(() => new WireReader([0x80, 0x80]).Varint());

    private static byte[] Encode(ulong value)
    {
        var bytes = new List<byte>();
        do
        {
            var b = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? b : (byte)(b | 0x80));
        }
        while (value != 0);
        return [.. bytes];
    }
}
