"""Fixed reference data for the demo network (French towns, sectors, referrers)."""

# (name, slug, kind, sector, region, HQ city, postal code, department, sites [(name, kind, city, dept)])
FIRST_COOPERATIVES = [
    {
        "name": "CESAME", "slug": "cesame", "kind": "regional", "sector": "multi", "region": "44",
        "legal_name": "CESAME SCOP SA", "city": "Reims", "postal_code": "51100", "department": "51",
        "address": "12 rue de Talleyrand", "rate": "10.00",
        "sites": [
            ("Reims — siège", "head_office", "Reims", "51", "51100"),
            ("Charleville-Mézières — antenne des Ardennes", "branch", "Charleville-Mézières", "08", "08000"),
            ("Épernay", "outreach", "Épernay", "51", "51200"),
            ("Châlons-en-Champagne", "outreach", "Châlons-en-Champagne", "51", "51000"),
            ("Troyes", "outreach", "Troyes", "10", "10000"),
            ("Saint-Dizier", "outreach", "Saint-Dizier", "52", "52100"),
            ("Sedan", "outreach", "Sedan", "08", "08200"),
            ("Vitry-le-François", "outreach", "Vitry-le-François", "51", "51300"),
            ("Romilly-sur-Seine", "outreach", "Romilly-sur-Seine", "10", "10100"),
            ("Chaumont", "outreach", "Chaumont", "52", "52000"),
            ("Rethel", "outreach", "Rethel", "08", "08300"),
        ],
    },
    {
        "name": "Bâtisseurs Coop", "slug": "batisseurs", "kind": "sector", "sector": "construction", "region": "52",
        "legal_name": "Bâtisseurs Coop SCOP SARL", "city": "Nantes", "postal_code": "44000", "department": "44",
        "address": "5 quai de la Fosse", "rate": "11.50",
        "sites": [
            ("Nantes — siège", "head_office", "Nantes", "44", "44000"),
            ("Angers", "branch", "Angers", "49", "49000"),
            ("Saint-Nazaire", "outreach", "Saint-Nazaire", "44", "44600"),
        ],
    },
    {
        "name": "Kaléidoscope Services", "slug": "kaleidoscope", "kind": "sector", "sector": "personal_services",
        "region": "84", "legal_name": "Kaléidoscope Services SCOP SA", "city": "Lyon", "postal_code": "69003",
        "department": "69", "address": "40 cours Lafayette", "rate": "12.00",
        "sites": [
            ("Lyon — siège", "head_office", "Lyon", "69", "69003"),
            ("Villeurbanne", "outreach", "Villeurbanne", "69", "69100"),
            ("Saint-Étienne", "branch", "Saint-Étienne", "42", "42000"),
        ],
    },
]

# Towns for further regional CAEs: (city, postal code, department, region, nearby towns)
TOWNS = [
    ("Rennes", "35000", "35", "53", ["Saint-Malo", "Vitré", "Redon"]),
    ("Lille", "59000", "59", "32", ["Roubaix", "Valenciennes", "Dunkerque"]),
    ("Bordeaux", "33000", "33", "75", ["Libourne", "Arcachon", "Mérignac"]),
    ("Toulouse", "31000", "31", "76", ["Albi", "Montauban", "Castres"]),
    ("Marseille", "13001", "13", "93", ["Aubagne", "Aix-en-Provence", "La Ciotat"]),
    ("Strasbourg", "67000", "67", "44", ["Colmar", "Haguenau", "Sélestat"]),
    ("Dijon", "21000", "21", "27", ["Beaune", "Dole", "Auxerre"]),
    ("Orléans", "45000", "45", "24", ["Blois", "Tours", "Chartres"]),
    ("Rouen", "76000", "76", "28", ["Le Havre", "Évreux", "Dieppe"]),
    ("Montpellier", "34000", "34", "76", ["Sète", "Lunel", "Béziers"]),
    ("Clermont-Ferrand", "63000", "63", "84", ["Vichy", "Riom", "Issoire"]),
    ("Grenoble", "38000", "38", "84", ["Voiron", "Vienne", "Chambéry"]),
    ("Poitiers", "86000", "86", "75", ["Niort", "Châtellerault", "La Rochelle"]),
    ("Amiens", "80000", "80", "32", ["Abbeville", "Beauvais", "Compiègne"]),
    ("Besançon", "25000", "25", "27", ["Montbéliard", "Pontarlier", "Vesoul"]),
    ("Limoges", "87000", "87", "75", ["Brive-la-Gaillarde", "Tulle", "Guéret"]),
    ("Caen", "14000", "14", "28", ["Bayeux", "Lisieux", "Cherbourg"]),
    ("Nancy", "54000", "54", "44", ["Metz", "Épinal", "Lunéville"]),
    ("Tours", "37000", "37", "24", ["Amboise", "Chinon", "Loches"]),
    ("Brest", "29200", "29", "53", ["Quimper", "Morlaix", "Landerneau"]),
    ("Le Mans", "72000", "72", "52", ["Laval", "La Flèche", "Sablé-sur-Sarthe"]),
    ("Nice", "06000", "06", "93", ["Cannes", "Antibes", "Grasse"]),
    ("Pau", "64000", "64", "75", ["Bayonne", "Tarbes", "Oloron-Sainte-Marie"]),
    ("Ajaccio", "20000", "2A", "94", ["Bastia", "Corte", "Porto-Vecchio"]),
    ("Paris", "75011", "75", "11", ["Montreuil", "Saint-Denis", "Créteil"]),
    ("Saint-Denis de La Réunion", "97400", "974", "04", ["Saint-Pierre", "Saint-Paul", "Le Port"]),
]

COOP_NAME_PATTERNS = ["Coopaname {town}", "Ozon {town}", "Alter'Actions {town}", "Elan Créateur {town}",
                      "Coop'Activ {town}", "Cap Entreprendre {town}", "L'Ouvre-Boîtes {town}"]

# NAF codes seen in CAEs, by CAE sector
NAF = {
    "multi": ["70.22Z", "85.59A", "62.01Z", "74.10Z", "73.11Z", "90.03A", "96.09Z", "47.91B", "74.20Z",
              "88.91A", "43.34Z", "01.13Z", "10.71C", "58.11Z", "93.13Z"],
    "construction": ["43.34Z", "43.32A", "43.22A", "43.21A", "43.31Z", "43.99C", "43.91B", "71.11Z", "43.33Z"],
    "personal_services": ["88.10A", "81.21Z", "88.91A", "96.02A", "85.59B", "81.30Z", "96.09Z"],
}
ACTIVITIES = {
    "70.22Z": "Conseil en gestion pour TPE", "85.59A": "Formation professionnelle continue",
    "62.01Z": "Développement web", "74.10Z": "Graphisme et design", "73.11Z": "Communication digitale",
    "90.03A": "Création artistique", "96.09Z": "Services divers aux particuliers", "47.91B": "Vente en ligne",
    "74.20Z": "Photographie", "88.91A": "Garde d'enfants à domicile", "43.34Z": "Peinture et vitrerie",
    "01.13Z": "Maraîchage biologique", "10.71C": "Boulangerie artisanale", "58.11Z": "Édition",
    "93.13Z": "Coaching sportif", "43.32A": "Menuiserie bois", "43.22A": "Plomberie", "43.21A": "Électricité",
    "43.31Z": "Plâtrerie", "43.99C": "Maçonnerie écologique", "43.91B": "Couverture", "71.11Z": "Architecture",
    "43.33Z": "Carrelage", "88.10A": "Aide à domicile", "81.21Z": "Ménage et repassage",
    "96.02A": "Coiffure à domicile", "85.59B": "Soutien scolaire", "81.30Z": "Entretien de jardins",
}
REFERRERS = ["France Travail", "Mission locale", "CRESS", "Bouche-à-oreille", "Chambre de commerce",
             "Site internet", "Salon de la création d'entreprise", "Conseil départemental (RSA)"]
