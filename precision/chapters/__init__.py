"""Layer 2, what each chapter runs. One module per chapter declares its :class:`~precision.chapters.registry.Chapter`
record (name, title, run sizes per profile, the batches of runs its notebook executes);
:mod:`~precision.chapters.registry` collects them. Beside them: the run protocol
(:mod:`~precision.chapters.runs`), the work units of the cost plan (:mod:`~precision.chapters.costs`),
the plan itself (:mod:`~precision.chapters.plan`), the network runs several chapters share
(:mod:`~precision.chapters.nets`) and the authors' settings (:mod:`~precision.chapters.authors`)."""
