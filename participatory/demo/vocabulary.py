"""French words for the demo: project titles by category, places, people and parties.

Everything here is invented: the names are common French first and last names drawn
at random (no real person is described), the parties are fictional.
"""

from __future__ import annotations

# Per category (participatory.calls.rules.CATEGORIES): what a project does, its cost range
# in euros, and a sentence on what it brings. "{lieu}" is a place, "{commune}" a commune
# of the constituency.
PROJECTS: dict[str, dict] = {
    "environment": {
        "actions": [
            "Végétaliser la cour de l'école {lieu}",
            "Planter un verger partagé {lieu}",
            "Créer un jardin de pluie {lieu}",
            "Installer des composteurs collectifs {lieu}",
            "Planter 200 arbres le long de {lieu}",
            "Aménager une mare pédagogique {lieu}",
            "Désimperméabiliser le parking {lieu}",
            "Créer un îlot de fraîcheur {lieu}",
        ],
        "cost": (4_000, 60_000),
        "benefit": "rafraîchir le quartier l'été et accueillir la biodiversité",
    },
    "mobility": {
        "actions": [
            "Installer des arceaux vélo {lieu}",
            "Sécuriser le passage piéton {lieu}",
            "Créer un abri vélo couvert {lieu}",
            "Aménager une piste cyclable {lieu}",
            "Poser des bancs le long de {lieu}",
            "Créer une zone de rencontre {lieu}",
            "Rendre l'arrêt de bus accessible {lieu}",
        ],
        "cost": (3_000, 80_000),
        "benefit": "se déplacer à pied et à vélo en sécurité",
    },
    "culture": {
        "actions": [
            "Créer une boîte à livres {lieu}",
            "Équiper la salle des fêtes {lieu}",
            "Organiser un festival de musique {lieu}",
            "Peindre une fresque participative {lieu}",
            "Ouvrir un tiers-lieu culturel {lieu}",
            "Installer un kiosque à musique {lieu}",
        ],
        "cost": (1_500, 50_000),
        "benefit": "rendre la culture accessible à tous les âges",
    },
    "sport": {
        "actions": [
            "Installer un parcours de santé {lieu}",
            "Rénover le city-stade {lieu}",
            "Créer un skatepark {lieu}",
            "Équiper un terrain de pétanque {lieu}",
            "Installer des agrès de street workout {lieu}",
            "Tracer une boucle de course {lieu}",
        ],
        "cost": (5_000, 90_000),
        "benefit": "faire du sport gratuitement près de chez soi",
    },
    "solidarity": {
        "actions": [
            "Ouvrir une épicerie solidaire {lieu}",
            "Créer une ressourcerie {lieu}",
            "Installer un frigo solidaire {lieu}",
            "Aménager un local pour les associations {lieu}",
            "Créer une laverie sociale {lieu}",
            "Équiper une cuisine partagée {lieu}",
        ],
        "cost": (3_000, 70_000),
        "benefit": "entraider les habitants et rompre l'isolement",
    },
    "education": {
        "actions": [
            "Équiper la bibliothèque de l'école {lieu}",
            "Créer un espace de devoirs {lieu}",
            "Installer un préau {lieu}",
            "Aménager un potager pédagogique {lieu}",
            "Acheter des tableaux numériques pour l'école {lieu}",
        ],
        "cost": (2_000, 60_000),
        "benefit": "donner aux enfants de meilleures conditions pour apprendre",
    },
    "heritage": {
        "actions": [
            "Restaurer le lavoir {lieu}",
            "Rénover la fontaine {lieu}",
            "Restaurer le vitrail de la chapelle {lieu}",
            "Poser des panneaux d'histoire locale {lieu}",
            "Sauvegarder le moulin {lieu}",
        ],
        "cost": (5_000, 100_000),
        "benefit": "préserver le patrimoine et le faire connaître",
    },
    "digital": {
        "actions": [
            "Ouvrir un atelier numérique {lieu}",
            "Installer une borne Wi-Fi publique {lieu}",
            "Créer un fab lab {lieu}",
            "Équiper un espace France services {lieu}",
        ],
        "cost": (2_000, 45_000),
        "benefit": "aider chacun à faire ses démarches en ligne",
    },
    "other": {
        "actions": [
            "Installer des toilettes publiques {lieu}",
            "Éclairer le chemin {lieu}",
            "Créer une aire de pique-nique {lieu}",
            "Installer des fontaines à eau {lieu}",
            "Aménager un espace canin {lieu}",
        ],
        "cost": (2_000, 40_000),
        "benefit": "rendre l'espace public plus agréable",
    },
}

# Places: " {lieu}" is replaced by one of these (with its preposition).
PLACES = [
    "du quartier de la Gare",
    "de la place de la Mairie",
    "du parc municipal",
    "de la rue Victor-Hugo",
    "du centre-bourg",
    "de l'avenue Jean-Jaurès",
    "du quartier des Tilleuls",
    "de la place du Marché",
    "près du collège",
    "du square Louise-Michel",
    "des bords de la rivière",
    "du quartier Pasteur",
    "de la rue de la République",
    "du hameau des Vignes",
    "de la cité des Fleurs",
    "près de la médiathèque",
    "du quartier Saint-Jean",
    "de l'allée des Platanes",
    "du plateau sportif",
    "de la place Jean-Moulin",
]

SUMMARIES = [
    "Un projet porté par des habitants de {commune} pour {benefit}.",
    "À {commune}, ce projet propose de {benefit}.",
    "Des voisins de {commune} proposent ce projet pour {benefit}.",
]

DESCRIPTIONS = [
    "Le projet a été discuté lors d'une réunion de quartier. Il sera réalisé avec les services de la commune "
    "et entretenu par une association locale.",
    "Les habitants ont recensé les besoins pendant plusieurs mois. Le chiffrage comprend l'achat du matériel, "
    "la pose et une année d'entretien.",
    "Ce projet répond à une demande exprimée par les familles et les commerçants. Il est simple à réaliser et "
    "pourra être étendu si la première année est un succès.",
    "Une première version a été testée pendant l'été. Le budget demandé permet de la rendre durable et "
    "accessible aux personnes à mobilité réduite.",
]

INFEASIBLE_REASONS = [
    "Le terrain visé appartient à un propriétaire privé qui n'a pas donné son accord.",
    "Le projet relève du fonctionnement courant de la commune, pas d'un investissement.",
    "Le coût réel, après étude, dépasse le budget de l'appel.",
    "Un projet identique est déjà financé par le département.",
    "L'emplacement est situé en zone inondable : les travaux n'y sont pas autorisés.",
]

HIDDEN_REASONS = [
    "Contenu publicitaire sans rapport avec un projet d'intérêt général.",
    "Doublon d'une proposition déjà publiée par le même auteur.",
]

CALL_TITLES = [
    "Budget participatif {annee} — {nom}",
    "Vos projets pour la circonscription — {annee}",
    "L'ancienne réserve parlementaire, c'est vous qui décidez ({annee})",
]

CALL_DESCRIPTION = (
    "Proposez des projets d'intérêt général pour la circonscription, puis votez pour ceux que vous voulez voir "
    "financés. Les projets jugés réalisables par l'équipe du député sont soumis au vote ; le résultat est calculé "
    "par une règle publiée que chacun peut vérifier."
)

IMPLEMENTATION_NOTES = [
    "Les devis sont signés, les travaux commencent au printemps.",
    "La commune a validé l'emplacement ; commande du matériel en cours.",
]

FIRST_NAMES = [
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Emma",
    "Inès",
    "Sarah",
    "Julie",
    "Lucie",
    "Anaïs",
    "Claire",
    "Nadia",
    "Sophie",
    "Amélie",
    "Louise",
    "Alice",
    "Yasmine",
    "Mathilde",
    "Hélène",
    "Aurélie",
    "Lucas",
    "Hugo",
    "Thomas",
    "Nicolas",
    "Julien",
    "Antoine",
    "Maxime",
    "Karim",
    "Mehdi",
    "Pierre",
    "Paul",
    "Louis",
    "Arthur",
    "Théo",
    "Romain",
    "Mathieu",
    "Olivier",
    "Samuel",
    "Bruno",
    "Jérôme",
]

LAST_NAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefebvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Benali",
    "Nguyen",
    "Le Gall",
    "Da Silva",
    "Haddad",
]

# Fictional parties: no real movement is named.
PARTIES = [
    "Mouvement des communs",
    "Union des territoires",
    "Alliance écologique et sociale",
    "Renouveau républicain",
    "Parti des villes et des champs",
    "Candidature citoyenne indépendante",
    "Fédération pour l'avenir",
]

CITIES = ["Lyon", "Nantes", "Lille", "Rennes", "Dijon", "Tours", "Pau", "Metz", "Niort", "Albi", "Brest", "Annecy"]
STREETS = [
    "rue des Écoles",
    "avenue de la Libération",
    "rue Pasteur",
    "chemin des Vignes",
    "place du Marché",
    "rue de la Paix",
    "boulevard Gambetta",
    "impasse des Lilas",
]
ABROAD_COUNTRIES = ["BE", "DE", "ES", "GB", "CA", "US", "CH", "MA"]
