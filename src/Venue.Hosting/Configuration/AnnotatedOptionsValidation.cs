using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Venue.Hosting.Configuration;

/// <summary>
/// Data-annotation validation whose failures name configuration keys (<c>Console:Feed:Heartbeat: ...</c>),
/// as <see cref="OptionsProblems"/> words them, rather than the framework's "DataAnnotation validation
/// failed for members ..."; nested objects marked <see cref="ValidateObjectMembersAttribute"/> included.
/// </summary>
public static class AnnotatedOptionsValidation
{
    /// <summary>Validates the options' annotations, naming failures under <paramref name="section"/>.</summary>
    public static OptionsBuilder<TOptions> ValidateAnnotations<TOptions>(this OptionsBuilder<TOptions> builder, string section)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddSingleton<IValidateOptions<TOptions>>(new Validation<TOptions>(builder.Name, section));
        return builder;
    }

    private sealed class Validation<TOptions>(string name, string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? optionsName, TOptions options)
        {
            if (optionsName is not null && optionsName != name)
            {
                return ValidateOptionsResult.Skip;
            }

            var problems = OptionsProblems.Of(options, section);
            return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
        }
    }
}
