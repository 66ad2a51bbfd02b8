namespace Venue.Runtime;

public interface IGrainFactory
{
    /// <summary>
    /// A reference to the grain with this key. Getting a reference activates nothing; the first
    /// call does.
    /// </summary>
    TGrainInterface GetGrain<TGrainInterface>(string key)
        where TGrainInterface : class, IGrainWithStringKey;
}
