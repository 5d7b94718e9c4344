using HilBridge.Control.Regression;
using HilBridge.Control.Tests.TestSupport;

namespace HilBridge.Control.Tests.Regression;

public class ShardTests
{
    private static List<SuiteCase> Many(int count) =>
        Enumerable.Range(0, count).Select(i => Cases.Of($"s{i:D2}", "  fences: '>= 0'", suite: i % 3 == 0 ? "a" : "b")).ToList();

    [Theory]
    [InlineData(1, 10)]
    [InlineData(2, 10)]
    [InlineData(3, 10)]
    [InlineData(4, 3)]
    [InlineData(7, 23)]
    [InlineData(5, 0)]
    public void Select_AllShards_DisjointAndCovering(int shards, int cases)
    {
        var all = Many(cases);

        var parts = Enumerable.Range(1, shards).Select(i => new Shard(i, shards).Select(all)).ToList();

        var union = parts.SelectMany(p => p).ToList();
        Assert.Equal(all.Count, union.Count);                        // nothing twice
        Assert.Equal(all.Select(c => c.Id).Order(), union.Select(c => c.Id).Order()); // everything once
        Assert.True(parts.Max(p => p.Count) - parts.Min(p => p.Count) <= 1);
    }

    [Fact]
    public void Select_InputOrder_DoesNotChangeTheSplit()
    {
        var all = Many(11);
        var shuffled = all.OrderBy(c => c.Name.GetHashCode()).Reverse().ToList();

        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(new Shard(i, 3).Select(all).Select(c => c.Id), new Shard(i, 3).Select(shuffled).Select(c => c.Id));
        }
    }

    [Theory]
    [InlineData("1/1", 1, 1)]
    [InlineData("2/4", 2, 4)]
    [InlineData("4/4", 4, 4)]
    public void TryParse_Valid(string text, int index, int count)
    {
        Assert.True(Shard.TryParse(text, out var shard, out _));
        Assert.Equal(new Shard(index, count), shard);
    }

    [Theory]
    [InlineData("0/4")]
    [InlineData("5/4")]
    [InlineData("1/0")]
    [InlineData("2")]
    [InlineData("a/b")]
    [InlineData("1/2/3")]
    public void TryParse_Invalid_Error(string text)
    {
        Assert.False(Shard.TryParse(text, out _, out var error));
        Assert.Contains(text, error);
    }
}
