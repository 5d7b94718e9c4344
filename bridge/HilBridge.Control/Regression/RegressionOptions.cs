namespace HilBridge.Control.Regression;

public sealed class RegressionOptions
{
    /// <summary>Extra attempts for a case that did not pass; a case that passes on one is flaky.</summary>
    public int Retries { get; set; }

    /// <summary>Cases run at once on this machine (each live run has its own runtime dir, sockets and disk).</summary>
    public int Jobs { get; set; } = 1;

    /// <summary>Each attempt runs in OUTPUT/SUITE/SCENARIO/attempt-N.</summary>
    public string OutputDirectory { get; set; } = "out/regress";

    public Shard Shard { get; set; } = Shard.All;

    /// <summary>Start no further case once one has failed for good (after its retries); the rest are reported as not run.</summary>
    public bool FailFast { get; set; }
}
