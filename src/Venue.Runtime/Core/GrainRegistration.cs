using System.Collections.Frozen;
using System.Linq.Expressions;
using System.Reflection;
using Venue.Runtime.Storage;

namespace Venue.Runtime;

/// <summary>What the runtime knows of one grain interface: its type name, factory, storage and methods.</summary>
internal sealed class GrainRegistration
{
    private delegate Task InvokeDelegate(GrainRuntime runtime, GrainRegistration registration, GrainId id,
        Func<Grain, object?[]?, Task> body, object?[]? arguments, bool readOnly);

    private readonly FrozenDictionary<MethodInfo, GrainMethod> _methods;

    public GrainRegistration(Type interfaceType, Type grainClass, string typeName, Func<Grain> factory, IGrainStorage storage)
    {
        InterfaceType = interfaceType;
        GrainClass = grainClass;
        TypeName = typeName;
        Factory = factory;
        Storage = storage;
        _methods = interfaceType.GetInterfaces().Append(interfaceType)
            .SelectMany(i => i.GetMethods())
            .ToFrozenDictionary(m => m, Compile);
    }

    public Type InterfaceType { get; }

    public Type GrainClass { get; }

    public string TypeName { get; }

    public Func<Grain> Factory { get; }

    public IGrainStorage Storage { get; }

    /// <summary>A reference to no grain, cloned to make references cheaply (see <see cref="GrainProxy"/>).</summary>
    internal GrainProxy? ProxyPrototype { get; set; }

    /// <summary>Makes a reference when only the registration is known (implicit stream delivery), without reflection per call.</summary>
    public Func<GrainRuntime, GrainId, object> CreateReference => _createReference ??= MakeReferenceFactory();

    private Func<GrainRuntime, GrainId, object>? _createReference;

    private Func<GrainRuntime, GrainId, object> MakeReferenceFactory()
    {
        var create = typeof(GrainProxy).GetMethod(nameof(GrainProxy.Create), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(InterfaceType);
        var runtime = Expression.Parameter(typeof(GrainRuntime), "runtime");
        var id = Expression.Parameter(typeof(GrainId), "id");
        var call = Expression.Call(create, runtime, Expression.Constant(this), id);
        return Expression.Lambda<Func<GrainRuntime, GrainId, object>>(call, runtime, id).Compile();
    }

    public Task Invoke(GrainRuntime runtime, GrainId id, MethodInfo method, object?[]? arguments)
    {
        var m = _methods[method];
        return m.Invoke(runtime, this, id, m.Body, arguments, m.ReadOnly);
    }

    private sealed record GrainMethod(Func<Grain, object?[]?, Task> Body, InvokeDelegate Invoke, bool ReadOnly);

    private GrainMethod Compile(MethodInfo method)
    {
        var returnType = method.ReturnType;
        Type resultType;
        if (returnType == typeof(Task))
        {
            resultType = typeof(VoidResult);
        }
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            resultType = returnType.GetGenericArguments()[0];
        }
        else
        {
            throw new ArgumentException(
                $"{InterfaceType.Name}.{method.Name} returns {returnType.Name}; grain methods must return Task or Task<T>.");
        }

        // (grain, args) => ((IFoo)grain).Method((A0)args[0], (A1)args[1], ...)
        var grain = Expression.Parameter(typeof(Grain), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        var parameters = method.GetParameters().Select((p, i) =>
            (Expression)Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType));
        var call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method, parameters);
        var body = Expression.Lambda<Func<Grain, object?[]?, Task>>(Expression.Convert(call, typeof(Task)), grain, args).Compile();

        var invoke = typeof(GrainRuntime).GetMethod(nameof(GrainRuntime.InvokeCore), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(resultType)
            .CreateDelegate<InvokeDelegate>();
        var readOnly = method.GetCustomAttribute<ReadOnlyAttribute>() is not null;
        return new GrainMethod(body, invoke, readOnly);
    }

    /// <summary><c>IAttendeeGrain</c> → <c>attendee</c>, unless <see cref="GrainTypeAttribute"/> says otherwise.</summary>
    public static string TypeNameOf(Type interfaceType)
    {
        if (interfaceType.GetCustomAttribute<GrainTypeAttribute>() is { } named)
        {
            return named.Name;
        }

        var name = interfaceType.Name;
        if (name.Length > 1 && name[0] == 'I' && char.IsUpper(name[1]))
        {
            name = name[1..];
        }

        if (name.EndsWith("Grain", StringComparison.Ordinal) && name.Length > "Grain".Length)
        {
            name = name[..^"Grain".Length];
        }

        return name.ToLowerInvariant();
    }
}
