namespace HilBridge.Bench.Tests.Stats;

public class BalancedOrderTests
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public void ForRound_OneCycle_EveryPeerInEveryPositionEquallyOften(int peers)
    {
        var cycle = BalancedOrder.CycleLength(peers);
        var counts = new int[peers, peers];

        for (var round = 0; round < cycle; round++)
        {
            var order = BalancedOrder.ForRound(peers, round);
            Assert.Equal(Enumerable.Range(0, peers), order.Order());
            for (var position = 0; position < peers; position++)
            {
                counts[order[position], position]++;
            }
        }

        Assert.All(counts.Cast<int>(), c => Assert.Equal(cycle / peers, c));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(6)]
    public void ForRound_OneCycle_EveryPeerFollowsEveryOtherEquallyOften(int peers)
    {
        var cycle = BalancedOrder.CycleLength(peers);
        var follows = new int[peers, peers];

        for (var round = 0; round < cycle; round++)
        {
            var order = BalancedOrder.ForRound(peers, round);
            for (var i = 1; i < peers; i++)
            {
                follows[order[i - 1], order[i]]++;
            }
        }

        var expected = cycle * (peers - 1) / (peers * (peers - 1));
        for (var a = 0; a < peers; a++)
        {
            for (var b = 0; b < peers; b++)
            {
                Assert.Equal(a == b ? 0 : expected, follows[a, b]);
            }
        }
    }

    [Theory]
    [InlineData(6, 5, 6)]
    [InlineData(6, 12, 12)]
    [InlineData(3, 5, 6)]
    [InlineData(4, 1, 4)]
    public void RoundUpToCycles_Wanted_WholeCycles(int peers, int wanted, int expected) =>
        Assert.Equal(expected, BalancedOrder.RoundUpToCycles(peers, wanted));
}
