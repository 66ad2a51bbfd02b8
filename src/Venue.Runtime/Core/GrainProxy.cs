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
        // DispatchProxy.Create goes through reflection (about a microsecond); a shallow copy of one
        // prototype per interface is a plain allocation, and keeps the generated type's own fields.
        var prototype = registration.ProxyPrototype ??= (GrainProxy)(object)Create<TGrainInterface, GrainProxy>();
        var self = (GrainProxy)prototype.MemberwiseClone();
        self._runtime = runtime;
        self._registration = registration;
        self.GrainId = id;
        return (TGrainInterface)(object)self;
    }

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args) =>
        _registration.Invoke(_runtime, GrainId, targetMethod!, args);

    public override string ToString() => GrainId.ToString();
}
