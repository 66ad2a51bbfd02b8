namespace Venue.Simulation.Crowd;

/// <summary>
/// Seeds derived from the run's seed and names, the same in every process (HashCode.Combine is
/// randomised per process, so the same --seed would plan a different day each run).
/// </summary>
public static class StableSeed
{
    public static int Of(int seed, params object[] parts)
    {
        // FNV-1a over the seed and the parts' invariant text.
        var hash = 2166136261u;
        void Mix(string text)
        {
            foreach (var c in text)
            {
                hash = (hash ^ c) * 16777619u;
            }

            hash = (hash ^ '|') * 16777619u;
        }

        Mix(seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var part in parts)
        {
            Mix(Convert.ToString(part, System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }

        return (int)(hash & 0x7FFFFFFF);
    }
}
