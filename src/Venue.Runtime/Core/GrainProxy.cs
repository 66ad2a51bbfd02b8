using System.Reflection;

namespace Venue.Runtime;

/// <summary>A grain reference: implements the grain interface and turns each call into a turn on the activation.</summary>
public class GrainProxy : DispatchProxy
{
    private GrainRuntime _runtime = null!;
    private GrainRegistration _registration = null!;

    public GrainId GrainId { get; private set; }

    internal static TGrainInterface Create<TGrainInterface>(GrainRuntime runtime, GrainRegistration registration, GrainId id)
        where TGrainInterface : class
    {
        var proxy = Create<TGrainInterface, GrainProxy>();
        var self = (GrainProxy)(object)proxy;
        self._runtime = runtime;
        self._registration = registration;
        self.GrainId = id;
        return proxy;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        _registration.Invoke(_runtime, GrainId, targetMethod!, args);

    public override string ToString() => GrainId.ToString();
}
