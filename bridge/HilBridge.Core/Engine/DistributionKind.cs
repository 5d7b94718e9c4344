namespace HilBridge.Core.Engine;

public enum DistributionKind
{
    /// <summary>Always zero.</summary>
    None,
    /// <summary>Always <c>Parameter1</c> seconds.</summary>
    Fixed,
    /// <summary>Uniform in [<c>Parameter1</c>, <c>Parameter2</c>] seconds.</summary>
    Uniform,
    /// <summary>Exponential with mean <c>Parameter1</c> seconds.</summary>
    Exponential,
    /// <summary>exp(N(mu = <c>Parameter1</c>, sigma = <c>Parameter2</c>)) seconds.</summary>
    LogNormal,
}
